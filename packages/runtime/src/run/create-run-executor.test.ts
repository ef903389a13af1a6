import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { defineAdapter } from '@karnel/adapters';
import { createMessage } from '@karnel/coordination';
import { createId } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { signApprovalDecision } from '@karnel/policy';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineModel } from '../offline/offline-model';
import { readOfflineScript } from '../offline/offline-script';
import type { WakeReason } from '../wake-reason';
import { abandonRun } from './abandon-run';
import { createRunExecutor } from './create-run-executor';
import { copyExampleGroup, EXAMPLE_GROUP } from './example-group.test-support';
import { openRuntimeParts, type RuntimeParts } from './open-runtime-parts';
import { RecordedRunError, readRecordedRun } from './recorded-run';

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

  it('assembles a fresh context under its budget: role, purpose, guidance, objectives, skills, memory', async () => {
    const { executor, mock } = await setup();
    await executor.execute(
      { runId: createId('run'), member: 'researcher', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    const prompt = mock.doGenerateCalls[0]!.prompt;
    const system = String(prompt.find((message) => message.role === 'system')?.content);
    expect(system).toContain('You are the researcher of a Karnel group.');
    expect(system).toContain('Your purpose:');
    expect(system).toContain('voice: technical, conversational');
    expect(system).toContain('weekly_inference_budget < $50');
    expect(system).toContain('g_subs_traffic');
    expect(system).toContain('research-arxiv-trending');
    expect(system.length / 4).toBeLessThanOrEqual(6000);
    const user = JSON.stringify(prompt.filter((message) => message.role === 'user'));
    expect(user).toContain('cadence: daily');
  });

  it('records malformed tool arguments and unknown tools as error steps, and goes on', async () => {
    let call = 0;
    const answers = [
      { type: 'tool-call', toolCallId: 'bad-1', toolName: 'use_skill', input: '{"name": 42}' },
      { type: 'tool-call', toolCallId: 'bad-2', toolName: 'launch_rockets', input: '{}' },
      { type: 'tool-call', toolCallId: 'bad-3', toolName: 'remember', input: '{not json' },
      { type: 'text', text: 'done anyway' },
    ] as const;
    const mock = new MockLanguageModelV4({
      doGenerate: async () => {
        const part = answers[call++]!;
        return {
          content: [part],
          finishReason: {
            unified: part.type === 'text' ? 'stop' : 'tool-calls',
            raw: undefined,
          },
          usage: {
            inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
            outputTokens: { total: 5, text: 5, reasoning: 0 },
          },
          warnings: [],
        };
      },
    });
    const { parts, executor } = await setup(mock);
    const runId = createId('run');
    const result = await executor.execute(
      { runId, member: 'writer', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    expect(result.status).toBe('succeeded');
    const steps = (await readRecordedRun(parts.ledger, runId)).steps;
    const errors = steps.filter((step) => step.kind === 'tool');
    expect(errors.map((step) => [step.tool, step.toolCallId])).toEqual([
      ['use_skill', 'bad-1'],
      ['launch_rockets', 'bad-2'],
      ['remember', 'bad-3'],
    ]);
    for (const step of errors) expect(step.error).toMatch(/^malformed tool call: /);
    expect(await parts.memoryOf('writer').readEpisodes({ kinds: ['note'] })).toHaveLength(0);
  });

  it('a denied tool call is recorded with the rule and the run goes on', async () => {
    const { dir } = await copyExampleGroup();
    dirs.push(dir);
    const policy = await readFile(join(dir, 'policy.yaml'), 'utf8');
    await writeFile(
      join(dir, 'policy.yaml'),
      policy.replace(
        'effect: allow\n    capability: "memory.read"',
        'effect: deny\n    capability: "memory.read"',
      ),
    );
    await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
    const mock = await scriptedMock();
    const parts = await openRuntimeParts(dir, {
      machineTiersFile: false,
      languageModels: { languageModel: () => mock },
    });
    opened.push(parts);
    const runId = createId('run');
    const result = await createRunExecutor(parts).execute(
      { runId, member: 'researcher', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    expect(result.status).toBe('succeeded');
    const search = (await readRecordedRun(parts.ledger, runId)).steps.find(
      (step) => step.tool === 'search_memory',
    );
    expect(search?.decision).toBe('deny');
    expect(search?.error).toContain('use-memory');
  });

  it('an aborted signal parks the run at its next tool call; resuming replays the model call', async () => {
    const { parts, executor, mock } = await setup();
    const runId = createId('run');
    const stop = new AbortController();
    stop.abort();
    const parked = await executor.execute(
      { runId, member: 'researcher', reasons: [cadence], resume: false },
      { signal: stop.signal },
    );
    expect(parked).toMatchObject({ status: 'parked', waitingOn: 'runtime-stop', steps: 1 });
    expect(mock.doGenerateCalls).toHaveLength(1);
    const resumed = await executor.execute(
      { runId, member: 'researcher', reasons: [cadence], resume: true },
      { signal: new AbortController().signal },
    );
    expect(resumed.status).toBe('succeeded');
    // The first answer came from the ledger: five calls in all, not six.
    expect(mock.doGenerateCalls).toHaveLength(5);
    const balances = await parts.treasury.balances();
    const cents = (cost: string) => BigInt(Math.round(Number(cost) * 100));
    expect(balances.totals.spent).toBe(cents(parked.cost) + cents(resumed.cost));
    expect(balances.openReservations).toHaveLength(0);
  });

  it('safe mode parks a running run at its next tool call', async () => {
    const { parts, executor, owner } = await setup();
    await parts.safeMode.enter({ signer: owner, reason: 'test brake' });
    const result = await executor.execute(
      { runId: createId('run'), member: 'researcher', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    expect(result).toMatchObject({ status: 'parked', waitingOn: 'safe-mode' });
  });

  it('an owner denial ends the parked call with an error step and no spend', async () => {
    const { parts, executor, owner } = await setup();
    const runId = createId('run');
    const rejection = createMessage({
      type: 'review',
      from: 'critic',
      to: 'writer',
      payload: {
        task: createId('msg'),
        step: 1,
        action: 'review',
        verdict: 'reject',
        blocking: true,
      },
    });
    await parts.coordinator.send(rejection);
    const reasons: WakeReason[] = [
      { kind: 'message', detail: 'review', ref: rejection.id, at: '2026-12-07T09:00:00Z' },
    ];
    const parked = await executor.execute(
      { runId, member: 'writer', reasons, resume: false },
      { signal: new AbortController().signal },
    );
    expect(parked.status).toBe('parked');
    const request = await parts.approvals.get(parked.waitingOn!);
    const answer = await parts.approvals.decide(
      signApprovalDecision(request!, owner, { decision: 'deny' }),
    );
    expect(answer.ok).toBe(true);
    const resumed = await executor.execute(
      { runId, member: 'writer', reasons, resume: true },
      { signal: new AbortController().signal },
    );
    expect(resumed.status).toBe('succeeded');
    const spends = (await readRecordedRun(parts.ledger, runId)).steps.filter(
      (step) => step.tool === 'spend',
    );
    expect(spends.at(-1)?.error).toContain('did not approve');
    const { records } = await parts.treasury.readRecords();
    expect(
      records.some(
        (record) =>
          record.type === 'spend.recorded' &&
          record.run === runId &&
          record.description?.includes('cover photo'),
      ),
    ).toBe(false);
  });

  it('refuses to replay steps edited on disk', async () => {
    const { executor, dir } = await setup();
    const runId = createId('run');
    const stop = new AbortController();
    stop.abort();
    await executor.execute(
      { runId, member: 'researcher', reasons: [cadence], resume: false },
      { signal: stop.signal },
    );
    const stepsFile = join(dir, 'ledger', 'runs', runId, 'steps.jsonl');
    const text = await readFile(stepsFile, 'utf8');
    await writeFile(stepsFile, text.replace('research-arxiv-trending', 'research-arxiv-trendinG'));
    const error = await executor
      .execute(
        { runId, member: 'researcher', reasons: [cadence], resume: true },
        { signal: new AbortController().signal },
      )
      .catch((caught: unknown) => caught);
    expect(RecordedRunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('does not match ledger entry');
  });

  it('a model that fails ends the run failed, releases the reservation and remembers it', async () => {
    const mock = new MockLanguageModelV4({
      doGenerate: async () => {
        throw new Error('the model server is down');
      },
    });
    const { parts, executor } = await setup(mock);
    const runId = createId('run');
    const result = await executor.execute(
      { runId, member: 'writer', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    expect(result).toMatchObject({ status: 'failed', cost: '0.00' });
    expect(result.error).toContain('the model server is down');
    expect((await readRecordedRun(parts.ledger, runId)).finished).toBe(true);
    const balances = await parts.treasury.balances();
    expect(balances.openReservations).toHaveLength(0);
    expect(balances.totals.spent).toBe(0n);
    const failed = await parts.memoryOf('writer').readEpisodes({ kinds: ['run.failed'] });
    expect(failed.at(-1)?.text).toContain('the model server is down');
  });

  it('abandons a parked run: finished as abandoned, every reservation released, an episode', async () => {
    const { parts, executor } = await setup();
    const runId = createId('run');
    const stop = new AbortController();
    stop.abort();
    const parked = await executor.execute(
      { runId, member: 'researcher', reasons: [cadence], resume: false },
      { signal: stop.signal },
    );
    expect(parked.status).toBe('parked');
    const next = await parts.treasury.reserve({ amount: '0.50', purpose: 'next execution' });
    expect(next.ok).toBe(true);
    const abandoned = await abandonRun(parts, {
      runId,
      member: 'researcher',
      why: 'the owner gave up on it',
      ...(next.ok ? { reservationId: next.reservation.id } : {}),
    });
    expect(abandoned).toMatchObject({ status: 'abandoned', cost: '0.00', steps: 1 });
    const recorded = await readRecordedRun(parts.ledger, runId);
    expect(recorded.finished).toBe(true);
    expect((await parts.treasury.balances()).openReservations).toHaveLength(0);
    const episodes = await parts.memoryOf('researcher').readEpisodes({ kinds: ['run.abandoned'] });
    expect(episodes.at(-1)?.text).toContain('the owner gave up on it');
    const again = await executor.execute(
      { runId, member: 'researcher', reasons: [cadence], resume: true },
      { signal: new AbortController().signal },
    );
    expect(again).toMatchObject({ status: 'failed' });
    expect(again.error).toContain('already finished');
  });

  it('runs a foreign member through its adapter and leaves the same records', async () => {
    const { dir } = await copyExampleGroup();
    dirs.push(dir);
    const ledger = await openLedger(join(dir, 'ledger'));
    const performed: string[] = [];
    const parts = await openRuntimeParts(dir, {
      machineTiersFile: false,
      ledger,
      languageModels: {
        languageModel: () => {
          throw new Error('a foreign member calls no model of ours');
        },
      },
      adapters: (role) =>
        defineAdapter({
          type: 'local-test',
          role,
          ledger,
          check: async () => [],
          estimateCost: async () => ({
            basis: 'configured',
            cost: { amount: '0.40', currency: 'USD' },
          }),
          perform: async (message, { runId }) => {
            performed.push(`${runId} ${message.id}`);
            return {
              status: 'completed',
              summary: 'Wrote the long-form feature.',
              outputs: { words: 2400 },
              cost: { amount: '0.40', currency: 'USD' },
            };
          },
        }),
    });
    opened.push(parts);
    try {
      const task = createMessage({
        type: 'task',
        from: 'strategist',
        to: 'specialist_writer',
        payload: { title: 'A long-form feature on KV caches', task_class: 'long_form_feature' },
      });
      await parts.coordinator.send(task);
      const runId = createId('run');
      const result = await createRunExecutor(parts).execute(
        {
          runId,
          member: 'specialist_writer',
          reasons: [{ kind: 'message', detail: 'task', ref: task.id, at: '2026-12-07T09:00:00Z' }],
          resume: false,
        },
        { signal: new AbortController().signal },
      );
      expect(result).toMatchObject({ status: 'succeeded', cost: '0.40', steps: 1 });
      expect(performed).toEqual([`${runId} ${task.id}`]);
      const recorded = await readRecordedRun(parts.ledger, runId);
      expect(recorded.finished).toBe(true);
      expect(recorded.steps[0]).toMatchObject({
        kind: 'adapter',
        tool: 'local-test',
        cost: '0.40',
      });
      const types: string[] = [];
      for await (const entry of parts.ledger.entries({ type: 'adapter' })) types.push(entry.type);
      expect(types[0]).toBe('adapter.invoked');
      expect(types.filter((type) => type === 'adapter.outcome')).toHaveLength(1);
      const answer = (await parts.coordinator.history()).at(-1);
      expect(answer).toMatchObject({ type: 'result', from: 'specialist_writer', to: 'strategist' });
      expect((await parts.treasury.balances()).totals.spent).toBe(40n);
    } finally {
      await ledger.close();
    }
  });

  it('runs a skill with code in the worker sandbox through use_skill', async () => {
    let call = 0;
    const mock = new MockLanguageModelV4({
      doGenerate: async () => ({
        content: [
          call++ === 0
            ? {
                type: 'tool-call' as const,
                toolCallId: 'count-1',
                toolName: 'use_skill',
                input: JSON.stringify({ name: 'word-count-node', input: 'one two three' }),
              }
            : { type: 'text' as const, text: 'counted' },
        ],
        finishReason: { unified: call === 1 ? 'tool-calls' : 'stop', raw: undefined },
        usage: {
          inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 5, text: 5, reasoning: 0 },
        },
        warnings: [],
      }),
    });
    const { dir } = await copyExampleGroup();
    dirs.push(dir);
    await cp(
      join(EXAMPLE_GROUP, '..', 'skills', 'word-count-node'),
      join(dir, 'agents', 'writer', 'skills', 'word-count-node'),
      { recursive: true },
    );
    const parts = await openRuntimeParts(dir, {
      machineTiersFile: false,
      languageModels: { languageModel: () => mock },
    });
    opened.push(parts);
    const runId = createId('run');
    const result = await createRunExecutor(parts).execute(
      { runId, member: 'writer', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    expect(result.status).toBe('succeeded');
    const steps = (await readRecordedRun(parts.ledger, runId)).steps;
    // The skill's code ran once, its start recorded on disk before, under the same key.
    const started = steps.find((found) => found.tool === 'use_skill' && found.started);
    const step = steps.find((found) => found.tool === 'use_skill' && !found.started);
    expect(started?.idempotencyKey).toBe(`${runId}:${started?.step}`);
    expect(step?.idempotencyKey).toBe(started?.idempotencyKey);
    expect(step!.step).toBeGreaterThan(started!.step);
    expect(step?.decision).toBe('allow');
    const output = step?.output as { ok: boolean; output: string };
    expect(output.ok).toBe(true);
    expect(JSON.parse(output.output)).toMatchObject({ words: 3 });
  });

  it('updates a goal and asks the owner through the human member', async () => {
    const calls = [
      {
        toolName: 'update_goal',
        input: { goal: 'g_subs_traffic', status: 'achieved', reason: 'hit 5K visitors' },
      },
      { toolName: 'ask_owner', input: { question: 'May we start a referral programme?' } },
    ];
    let call = 0;
    const mock = new MockLanguageModelV4({
      doGenerate: async () => {
        const next = calls[call++];
        return {
          content: [
            next
              ? {
                  type: 'tool-call' as const,
                  toolCallId: `call-${call}`,
                  toolName: next.toolName,
                  input: JSON.stringify(next.input),
                }
              : { type: 'text' as const, text: 'done' },
          ],
          finishReason: { unified: next ? 'tool-calls' : 'stop', raw: undefined },
          usage: {
            inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
            outputTokens: { total: 5, text: 5, reasoning: 0 },
          },
          warnings: [],
        };
      },
    });
    const { parts, executor, dir } = await setup(mock);
    const result = await executor.execute(
      { runId: createId('run'), member: 'researcher', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    expect(result.status).toBe('succeeded');
    const goals = await readFile(join(dir, 'goals', 'current.yaml'), 'utf8');
    expect(goals).toMatch(/id: "g_subs_traffic"[\s\S]*?status: "?achieved"?/);
    const history = await readFile(join(dir, 'goals', 'history.jsonl'), 'utf8');
    expect(history).toContain('hit 5K visitors');
    const question = (await parts.coordinator.history()).at(-1);
    expect(question).toMatchObject({ type: 'escalation', from: 'researcher', to: 'human_owner' });
    expect(JSON.stringify(question?.payload)).toContain('referral programme');
  });

  it('never finishes a run it could not start (a fresh ticket for a run id already in the ledger)', async () => {
    const { parts, executor, mock } = await setup();
    const runId = createId('run');
    const first = await executor.execute(
      { runId, member: 'researcher', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    expect(first.status).toBe('succeeded');
    const again = await executor.execute(
      { runId, member: 'researcher', reasons: [cadence], resume: false },
      { signal: new AbortController().signal },
    );
    expect(again.status).toBe('failed');
    expect(again.error).toContain('could not start');
    // It stopped before its first model call, which waits for the run's start to be on disk:
    // no model call, no tool carried out.
    expect(mock.doGenerateCalls).toHaveLength(5);
    expect(await parts.memoryOf('researcher').readEpisodes({ kinds: ['finding'] })).toHaveLength(1);
    const sent = (await parts.coordinator.history()).filter((message) => message.type === 'info');
    expect(sent).toHaveLength(1);
    let finished = 0;
    for await (const entry of parts.ledger.entries({ type: 'run.finished' }))
      if (entry.body.run_id === runId) finished++;
    expect(finished).toBe(1);
    expect((await parts.treasury.balances()).openReservations).toHaveLength(0);
  });
});
