/**
 * A file of the group swapped, after the runtime started, for a symbolic link to a secret
 * outside the group (as a skill with file-write capability, a foreign agent or a careless user
 * could): the runtime must never read it into a prompt, the ledger or memory, and must say so.
 */
import { cp, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { createId, createSigner, generateKeyPair } from '@karnel/core';
import { ApprovalTamperedError } from '@karnel/policy';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineModel } from '../offline/offline-model';
import { readOfflineScript } from '../offline/offline-script';
import type { WakeReason } from '../wake-reason';
import { createRunExecutor } from './create-run-executor';
import { copyExampleGroup, EXAMPLE_GROUP } from './example-group.test-support';
import { openRuntimeParts, type RuntimeParts } from './open-runtime-parts';
import { readRecordedRun } from './recorded-run';
import type { RunExecutor } from './run-executor';
import { RuntimeOpenError } from './runtime-open-error';

const SECRET = 'SECRET-KEY-MATERIAL-7f3a';
const cadence: WakeReason = { kind: 'cadence', detail: 'daily', at: '2026-12-07T08:00:00Z' };

const opened: RuntimeParts[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const parts of opened.splice(0)) await parts.close();
  for (const dir of dirs.splice(0)) await rm(join(dir, '..'), { recursive: true, force: true });
});

async function setup() {
  const { dir } = await copyExampleGroup();
  dirs.push(dir);
  const read = await readOfflineScript(join(EXAMPLE_GROUP, 'offline-demo.yaml'));
  const offline = createOfflineModel(read.script!);
  const mock = new MockLanguageModelV4({
    doGenerate: (options: LanguageModelV4CallOptions) => offline.doGenerate(options),
  });
  const parts = await openRuntimeParts(dir, {
    machineTiersFile: false,
    languageModels: { languageModel: () => mock },
  });
  opened.push(parts);
  // The secret lives next to the group folder, outside it (think ~/.ssh/id_ed25519).
  const outside = join(dir, '..', 'outside');
  await mkdir(outside);
  return { dir, parts, mock, outside, executor: createRunExecutor(parts) };
}

function runResearcher(executor: RunExecutor) {
  const runId = createId('run');
  return executor
    .execute(
      { runId, member: 'researcher', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    )
    .then((result) => ({ runId, result }));
}

/** Every regular file under `dir` (links are not followed): what the run may have written. */
async function groupText(dir: string): Promise<string> {
  const texts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    // A lock file may be gone by now (a lock lingers a moment after the last write).
    const text = await readFile(join(entry.parentPath, entry.name), 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      },
    );
    texts.push(text);
  }
  return texts.join('\n');
}

async function expectNoSecretAnywhere(dir: string, mock: MockLanguageModelV4) {
  expect(JSON.stringify(mock.doGenerateCalls.map((call) => call.prompt))).not.toContain(SECRET);
  expect(await groupText(dir)).not.toContain(SECRET);
}

describe('the runtime never reads through a symlink that leaves the group', () => {
  it('a member memory file swapped for a symlink after start: the run fails naming it, nothing leaks', async () => {
    const { dir, parts, mock, outside, executor } = await setup();
    // A first run, so the memory has been read before the swap.
    expect((await runResearcher(executor)).result.status).toBe('succeeded');
    const episodic = join(dir, 'agents', 'researcher', 'memory', 'episodic.jsonl');
    const secretLog = join(outside, 'episodic.jsonl');
    const secretEpisode = {
      id: 'epi_01HZX3K0V8Q5T2N7R4M6W9YB1C',
      at: '2026-12-01T00:00:00.000Z',
      kind: 'note',
      text: SECRET,
    };
    await writeFile(secretLog, `${JSON.stringify(secretEpisode)}\n`);
    await rm(episodic);
    await symlink(secretLog, episodic);
    const calls = mock.doGenerateCalls.length;

    const { runId, result } = await runResearcher(executor);
    expect(result.status).toBe('failed');
    expect(result.error).toContain('"agents/researcher/memory/episodic.jsonl" leads outside');
    expect(result.error).toContain(secretLog);
    // The model was never asked: the context could not be assembled without the file.
    expect(mock.doGenerateCalls.length).toBe(calls);
    const recorded = await readRecordedRun(parts.ledger, runId);
    expect(recorded.finished).toBe(true);
    const outcome = await readFile(join(dir, 'ledger', 'runs', runId, 'outcome.yaml'), 'utf8');
    expect(outcome).toContain('leads outside');
    // Nothing was appended to the file outside.
    expect(await readFile(secretLog, 'utf8')).toBe(`${JSON.stringify(secretEpisode)}\n`);
    await expectNoSecretAnywhere(dir, mock);
    expect((await parts.ledger.verify()).ok).toBe(true);
  });

  it('a skill file swapped for a symlink: the run fails naming it, the skill text never reaches the model', async () => {
    const { dir, parts, mock, outside, executor } = await setup();
    expect((await runResearcher(executor)).result.status).toBe('succeeded');
    const skillMd = join(
      dir,
      'agents',
      'researcher',
      'skills',
      'research-arxiv-trending',
      'SKILL.md',
    );
    const secretSkill = join(outside, 'SKILL.md');
    const original = await readFile(skillMd, 'utf8');
    await writeFile(secretSkill, `${original}\n${SECRET}\n`);
    await rm(skillMd);
    await symlink(secretSkill, skillMd);
    const calls = mock.doGenerateCalls.length;

    const { runId, result } = await runResearcher(executor);
    expect(result.status).toBe('failed');
    expect(result.error).toContain(
      '"agents/researcher/skills/research-arxiv-trending/SKILL.md" leads outside',
    );
    expect(mock.doGenerateCalls.length).toBe(calls);
    const outcome = await readFile(join(dir, 'ledger', 'runs', runId, 'outcome.yaml'), 'utf8');
    expect(outcome).toContain('refused to read a group file');
    await expectNoSecretAnywhere(dir, mock);
    // The member's episode says why the run failed (memory is still inside the group).
    const episodes = await parts.memoryOf('researcher').readEpisodes({ kinds: ['run.failed'] });
    expect(episodes.at(-1)?.text).toContain('leads outside');
  });

  it('the goals file swapped for a symlink: the run fails, the goals outside are never read', async () => {
    const { dir, mock, outside, executor } = await setup();
    const goals = join(dir, 'goals', 'current.yaml');
    const secretGoals = join(outside, 'current.yaml');
    const text = await readFile(goals, 'utf8');
    await writeFile(secretGoals, text.replace('5K weekly visitors via SEO', SECRET));
    await rm(goals);
    await symlink(secretGoals, goals);
    const { result } = await runResearcher(executor);
    expect(result.status).toBe('failed');
    expect(result.error).toContain('"goals/current.yaml" leads outside');
    await expectNoSecretAnywhere(dir, mock);
  });

  it('an approval copy swapped for a symlink is refused as tampered', async () => {
    const { dir, parts, outside } = await setup();
    const requester = createSigner(generateKeyPair().secretKey);
    const request = await parts.approvals.request({
      actor: 'writer',
      capability: 'spend:40.00 USD',
      action: { kind: 'spend', amount: '40.00' },
      requester,
    });
    const copy = join(dir, 'approvals', `${request.id}.json`);
    const moved = join(outside, `${request.id}.json`);
    // The genuine copy, moved out: only where it lives has changed.
    await rename(copy, moved);
    await symlink(moved, copy);
    const error = await parts.approvals.get(request.id).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(ApprovalTamperedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`"approvals/${request.id}.json" leads outside`);
  });

  it('symlinks that stay inside the group still work', async () => {
    const { dir, parts, mock, executor } = await setup();
    const memory = join(dir, 'agents', 'researcher', 'memory');
    const skill = join(dir, 'agents', 'researcher', 'skills', 'research-arxiv-trending');
    // The researcher's memory log and its skill file, moved elsewhere in the group and linked.
    await mkdir(join(dir, 'shared'));
    await rename(join(memory, 'episodic.jsonl'), join(dir, 'shared', 'episodic.jsonl'));
    await symlink(join(dir, 'shared', 'episodic.jsonl'), join(memory, 'episodic.jsonl'));
    await cp(join(skill, 'SKILL.md'), join(dir, 'shared', 'SKILL.md'));
    await rm(join(skill, 'SKILL.md'));
    await symlink(join(dir, 'shared', 'SKILL.md'), join(skill, 'SKILL.md'));

    const { runId, result } = await runResearcher(executor);
    expect(result.status).toBe('succeeded');
    const system = String(
      mock.doGenerateCalls[0]!.prompt.find((message) => message.role === 'system')?.content,
    );
    expect(system).toContain('research-arxiv-trending');
    const episodes = await parts.memoryOf('researcher').readEpisodes({ kinds: ['run.completed'] });
    expect(episodes.at(-1)?.data?.runId).toBe(runId);
    expect(await readFile(join(dir, 'shared', 'episodic.jsonl'), 'utf8')).toContain(runId);
  });

  it.each([
    ['policy.yaml', 'policy'],
    ['tiers.yaml', 'tiers'],
    ['coordination/protocol.yaml', 'group'],
    ['members/writer.yaml', 'group'],
  ])(
    '%s swapped for a symlink before a start: the start is refused with file/outside-root',
    async (file, part) => {
      const { dir } = await copyExampleGroup();
      dirs.push(dir);
      const moved = join(dir, '..', 'moved.yaml');
      await rename(join(dir, file), moved);
      await symlink(moved, join(dir, file));
      const error = await openRuntimeParts(dir, { machineTiersFile: false }).then(
        (parts) => {
          opened.push(parts);
          return undefined;
        },
        (caught: unknown) => caught,
      );
      expect(RuntimeOpenError.isInstance(error)).toBe(true);
      expect((error as RuntimeOpenError).part).toBe(part);
      const codes = (error as RuntimeOpenError).diagnostics.map((diagnostic) => diagnostic.code);
      expect(codes).toContain(part === 'group' ? 'ref/escapes' : 'file/outside-root');
    },
  );
});
