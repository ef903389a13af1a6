import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { createId } from '@karnel/core';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineModel } from '../offline/offline-model';
import { readOfflineScript } from '../offline/offline-script';
import type { WakeReason } from '../wake-reason';
import { createRunExecutor } from './create-run-executor';
import { copyExampleGroup, EXAMPLE_GROUP } from './example-group.test-support';
import { openRuntimeParts, type RuntimeParts } from './open-runtime-parts';
import { readRecordedRun } from './recorded-run';

const PRICED_TIERS = [
  'tiers:',
  '  fast-general:',
  '    - model: openai:gpt-5-mini',
  '      price: { input: "0.25", output: "2.00" }',
  '  frontier-reasoning:',
  '    - model: anthropic:claude-sonnet-4-5',
  '      price: { input: "3.00", output: "15.00" }',
  '',
].join('\n');

const opened: RuntimeParts[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const parts of opened.splice(0)) await parts.close();
  for (const dir of dirs.splice(0)) await rm(join(dir, '..'), { recursive: true, force: true });
});

async function scriptedMock() {
  const read = await readOfflineScript(join(EXAMPLE_GROUP, 'offline-demo.yaml'));
  const offline = createOfflineModel(read.script!);
  return new MockLanguageModelV4({
    doGenerate: (options: LanguageModelV4CallOptions) => offline.doGenerate(options),
  });
}

async function setup(model?: MockLanguageModelV4) {
  const { dir, owner } = await copyExampleGroup();
  dirs.push(dir);
  await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
  const mock = model ?? (await scriptedMock());
  const parts = await openRuntimeParts(dir, {
    machineTiersFile: false,
    languageModels: { languageModel: () => mock },
  });
  opened.push(parts);
  return { dir, owner, parts, mock, executor: createRunExecutor(parts) };
}

const cadence: WakeReason = { kind: 'cadence', detail: 'daily', at: '2026-12-07T08:00:00Z' };

describe('createRunExecutor', () => {
  it('runs a researcher: steps in the ledger, cost settled, a message sent, an episode remembered', async () => {
    const { parts, executor, mock } = await setup();
    const runId = createId('run');
    const result = await executor.execute(
      { runId, member: 'researcher', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    expect(result.status).toBe('succeeded');
    expect(mock.doGenerateCalls).toHaveLength(5);
    const recorded = await readRecordedRun(parts.ledger, runId);
    expect(recorded.finished).toBe(true);
    expect(recorded.steps.map((step) => step.tool ?? step.kind)).toEqual([
      'model',
      'use_skill',
      'model',
      'search_memory',
      'model',
      'remember',
      'model',
      'send_message',
      'model',
    ]);
    expect(
      recorded.steps.filter((step) => step.kind === 'tool').every((s) => s.decision === 'allow'),
    ).toBe(true);
    const history = await parts.coordinator.history();
    expect(
      history.map((message) => `${message.type} ${message.from}->${String(message.to)}`),
    ).toEqual(['info researcher->writer']);
    expect(JSON.stringify(history[0]?.payload)).toContain('[offline demo model]');
    const balances = await parts.treasury.balances();
    expect(Number(result.cost)).toBeGreaterThan(0);
    expect(balances.totals.spent).toBe(BigInt(Math.round(Number(result.cost) * 100)));
    expect(balances.openReservations).toHaveLength(0);
    const episodes = await parts.memoryOf('researcher').readEpisodes({ kinds: ['run.completed'] });
    expect(episodes.at(-1)?.data?.runId).toBe(runId);
    expect((await parts.ledger.verify()).ok).toBe(true);
  });
});
