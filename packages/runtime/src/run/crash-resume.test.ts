import { execFile, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createId, parseCost } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WakeReason } from '../wake-reason';
import { copyExampleGroup } from './example-group.test-support';
import { openRuntimeParts } from './open-runtime-parts';
import { readRecordedRun } from './recorded-run';
import type { RunResult } from './run-executor';

const run = promisify(execFile);
const child = join(import.meta.dirname, '..', '..', 'test', 'run-member.mjs');
const reasons: WakeReason[] = [{ kind: 'cadence', detail: 'daily', at: '2026-12-07T08:00:00Z' }];

let dir: string;
beforeAll(async () => {
  ({ dir } = await copyExampleGroup());
  await writeFile(
    join(dir, 'tiers.yaml'),
    'tiers:\n  fast-general:\n    - model: openai:gpt-5-mini\n      price: { input: "100.00", output: "400.00" }\n',
  );
});
afterAll(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

/** Starts a run in a runtime process and SIGKILLs it while its model call `call` hangs. */
function killDuring(runId: string, call: number, env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(
      process.execPath,
      [child, dir, 'researcher', runId, '0', JSON.stringify(reasons)],
      {
        env: { ...process.env, ...env, KARNEL_TEST_STALL_AT_CALL: String(call) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let seen = '';
    process_.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes('stalled')) process_.kill('SIGKILL');
    });
    process_.on('error', reject);
    process_.on('close', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`the run ended on its own: ${seen}`)),
    );
  });
}

describe('a runtime process killed mid-run', () => {
  it('with answers batched (durableAnswers: false), is resumed by another process: nothing charged twice, no effect repeated, reservations released', async () => {
    const batched = { KARNEL_TEST_DURABLE_ANSWERS: '0' };
    for (const call of [1, 4]) {
      const runId = createId('run');
      await killDuring(runId, call, batched);
      // What the killed process left on disk: model answers are written before the side effect
      // they ask for (and with the outcome), so at least every answer before the last side
      // effect; at call 4 the message of call 3 was sent, so answers 0–3 are there.
      const ledger = await openLedger(join(dir, 'ledger'));
      const answered = (await readRecordedRun(ledger, runId)).steps.filter(
        (step) => step.kind === 'model',
      ).length;
      await ledger.close();
      if (call === 4) expect(answered).toBe(4);
      const { stdout } = await run(
        process.execPath,
        [child, dir, 'researcher', runId, '1', JSON.stringify(reasons)],
        { timeout: 120_000, env: { ...process.env, ...batched } },
      );
      const resumed = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        result: RunResult;
        modelCalls: number[];
      };
      expect(resumed.result.status).toBe('succeeded');
      // The answers on disk were replayed, not asked again: the model is asked from the first
      // answer that was not recorded.
      expect(resumed.modelCalls[0]).toBe(answered);
    }
    const parts = await openRuntimeParts(dir, {
      machineTiersFile: false,
      languageModels: {
        languageModel: () => {
          throw new Error('no model in the test process');
        },
      },
    });
    try {
      expect((await parts.ledger.verify()).ok).toBe(true);
      const history = await parts.coordinator.history();
      expect(history.filter((message) => message.type === 'info')).toHaveLength(2);
      expect(await parts.memoryOf('researcher').readEpisodes({ kinds: ['finding'] })).toHaveLength(
        2,
      );
      const balances = await parts.treasury.balances();
      expect(balances.openReservations).toHaveLength(0);
      // Every recorded model call is paid, once: the charge is the exact cost rounded up per run.
      let exact = 0n;
      let runs = 0;
      for await (const entry of parts.ledger.entries({ type: 'run.finished' })) {
        runs++;
        const steps = (await readRecordedRun(parts.ledger, String(entry.body.run_id))).steps;
        for (const step of steps) {
          const cost = parseCost(step.cost ?? '0');
          if (cost.ok) exact += cost.value;
        }
      }
      expect(runs).toBe(2);
      const spent = balances.totals.spent * 10n ** 10n;
      expect(spent).toBeGreaterThanOrEqual(exact);
      expect(spent).toBeLessThan(exact + BigInt(runs) * 10n ** 10n);
    } finally {
      await parts.close();
    }
  });

  it('with durable answers (the default), replays every answer received before the kill', async () => {
    const durable = { KARNEL_TEST_DURABLE_ANSWERS: '1' };
    for (const call of [1, 4]) {
      const runId = createId('run');
      await killDuring(runId, call, durable);
      const ledger = await openLedger(join(dir, 'ledger'));
      const answered = (await readRecordedRun(ledger, runId)).steps.filter(
        (step) => step.kind === 'model',
      ).length;
      await ledger.close();
      expect(answered).toBe(call);
      const { stdout } = await run(
        process.execPath,
        [child, dir, 'researcher', runId, '1', JSON.stringify(reasons)],
        { timeout: 120_000, env: { ...process.env, ...durable } },
      );
      const resumed = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        result: RunResult;
        modelCalls: number[];
      };
      expect(resumed.result.status).toBe('succeeded');
      expect(resumed.modelCalls[0]).toBe(call);
    }
    const ledger = await openLedger(join(dir, 'ledger'));
    try {
      expect((await ledger.verify()).ok).toBe(true);
    } finally {
      await ledger.close();
    }
  });
});
