import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createId } from '@karnel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WakeReason } from '../wake-reason';
import { copyExampleGroup } from './example-group.test-support';
import { openRuntimeParts } from './open-runtime-parts';
import { readRecordedRun } from './recorded-run';
import type { RunResult } from './run-executor';
import { INTERRUPTED_CALL_ERROR } from './run-session';

const run = promisify(execFile);
const child = join(import.meta.dirname, '..', '..', 'test', 'run-member.mjs');
const reasons: WakeReason[] = [{ kind: 'cadence', detail: 'daily', at: '2026-12-07T08:00:00Z' }];

let dir: string;
let out: string;
beforeAll(async () => {
  ({ dir } = await copyExampleGroup());
  // A skill with code that appends one line to a file, then works for a long while: a crash
  // during it leaves the line written and no result recorded.
  const skill = join(dir, 'agents', 'researcher', 'skills', 'append-line');
  await mkdir(join(skill, 'scripts'), { recursive: true });
  await mkdir(join(skill, 'out'));
  out = join(skill, 'out', 'log.txt');
  await writeFile(
    join(skill, 'SKILL.md'),
    '---\nname: append-line\ndescription: Appends one line to a log file, then takes its time.\n---\n\nGive it the file to append to as input.\n',
  );
  await writeFile(
    join(skill, 'karnel.yaml'),
    [
      'karnel_skill_version: "0.2"',
      'provenance:',
      '  source: self-authored',
      'execution:',
      '  runtime: node',
      '  entry: scripts/main.mjs',
      '  capabilities_required: []',
      '  sandbox:',
      '    network: disabled',
      '    timeout_ms: 60000',
      '    filesystem:',
      '      write: ["out"]',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(skill, 'scripts', 'main.mjs'),
    [
      "import { appendFileSync } from 'node:fs';",
      "let path = '';",
      'for await (const chunk of process.stdin) path += chunk;',
      "appendFileSync(path.trim(), 'appended once\\n');",
      'await new Promise((resolve) => setTimeout(resolve, 30_000));',
      "console.log('done');",
      '',
    ].join('\n'),
  );
  const policy = await readFile(join(dir, 'policy.yaml'), 'utf8');
  await writeFile(
    join(dir, 'policy.yaml'),
    policy.replace(
      'rules:\n',
      'rules:\n  - id: skill-files\n    effect: allow\n    capability: "fs.write"\n',
    ),
  );
  // The researcher's scripted model: run the skill on the file, then say it is done.
  await writeFile(
    join(dir, 'offline-demo.yaml'),
    [
      'karnel_offline_script: "0.1"',
      'members:',
      '  researcher:',
      '    - name: append',
      '      steps:',
      '        - tool: use_skill',
      `          input: { name: append-line, input: ${JSON.stringify(out)} }`,
      '        - text: The skill was interrupted; not running it again.',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

async function lines(): Promise<string[]> {
  try {
    return (await readFile(out, 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Starts the run in a runtime process (its own process group) and SIGKILLs the whole group once the skill has written its line. */
function killDuringSkill(runId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(
      process.execPath,
      [child, dir, 'researcher', runId, '0', JSON.stringify(reasons)],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let output = '';
    process_.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    process_.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const poll = setInterval(() => {
      void lines().then((found) => {
        if (found.length > 0 && process_.pid !== undefined) {
          clearInterval(poll);
          // The runtime and the skill's sandboxed process die together, as in a power cut.
          process.kill(-process_.pid, 'SIGKILL');
        }
      });
    }, 20);
    process_.on('error', reject);
    process_.on('close', (_code, signal) => {
      clearInterval(poll);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`the run ended on its own: ${output}`));
    });
  });
}

describe('a skill with code interrupted by a crash', () => {
  it('is not run again on resume: the model is told its outcome is unknown', async () => {
    const runId = createId('run');
    await killDuringSkill(runId);
    expect(await lines()).toEqual(['appended once']);
    // What the crash left: the skill's start, on disk, under its idempotency key.
    const parts = await openRuntimeParts(dir, {
      machineTiersFile: false,
      languageModels: {
        languageModel: () => {
          throw new Error('no model in the test process');
        },
      },
    });
    try {
      const before = await readRecordedRun(parts.ledger, runId);
      const started = before.steps.find((step) => step.tool === 'use_skill');
      expect(started).toMatchObject({ started: true, idempotencyKey: `${runId}:1` });
      expect(before.steps.filter((step) => step.tool === 'use_skill')).toHaveLength(1);
    } finally {
      await parts.close();
    }

    const { stdout } = await run(
      process.execPath,
      [child, dir, 'researcher', runId, '1', JSON.stringify(reasons)],
      { timeout: 120_000 },
    );
    const resumed = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      result: RunResult;
      modelCalls: number[];
    };
    expect(resumed.result.status).toBe('succeeded');
    // The call that asked for the skill was replayed; only the next one was made.
    expect(resumed.modelCalls).toEqual([1]);
    expect(await lines()).toEqual(['appended once']);

    const reopened = await openRuntimeParts(dir, {
      machineTiersFile: false,
      languageModels: {
        languageModel: () => {
          throw new Error('no model in the test process');
        },
      },
    });
    try {
      const after = await readRecordedRun(reopened.ledger, runId);
      expect(after.finished).toBe(true);
      const calls = after.steps.filter((step) => step.tool === 'use_skill');
      expect(calls).toHaveLength(2);
      expect(calls[1]?.started).toBeUndefined();
      expect(calls[1]).toMatchObject({
        idempotencyKey: `${runId}:1`,
        error: INTERRUPTED_CALL_ERROR,
      });
      expect((await reopened.ledger.verify()).ok).toBe(true);
      expect((await reopened.treasury.balances()).openReservations).toHaveLength(0);
    } finally {
      await reopened.close();
    }
  });
});
