import { createMessage } from '@karnel/coordination';
import { createId } from '@karnel/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeHermesCli, type FakeHermesCli } from '../test/fake-hermes-cli';
import { createHermesAdapter, renderHermesInput } from './hermes-adapter';
import { hermesCliArguments, parseHermesQuietOutput } from './hermes-cli';
import { createMemoryLedger, runAdapterConformance } from './testing';

// The fake `hermes` is found the way the real one would be: first on PATH.
let fake: FakeHermesCli;
const originalPath = process.env.PATH;
beforeAll(async () => {
  fake = await createFakeHermesCli();
  process.env.PATH = fake.path;
});
afterAll(async () => {
  process.env.PATH = originalPath;
  await fake.close();
});

function feature(scenario: string, title = 'Write the feature') {
  return createMessage({
    type: 'task',
    from: 'editor',
    to: 'specialist_writer',
    payload: { title, task_class: 'long_form_feature', inputs: { scenario } },
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

runAdapterConformance({
  name: 'createHermesAdapter (command-line transport)',
  async setup({ ledger, taskClass }) {
    return {
      adapter: createHermesAdapter({ role: 'specialist_writer', taskClasses: [taskClass], ledger }),
      workDone: async (runId) =>
        (await fake.calls()).filter((call) => call.run_id === runId).length,
    };
  },
});

describe('createHermesAdapter without an API server', () => {
  afterEach(() => {
    process.env.PATH = fake.path;
  });

  it('runs hermes chat -q … -Q --resume <session>, never with an approval bypass', async () => {
    const ledger = createMemoryLedger();
    const adapter = createHermesAdapter({
      role: 'specialist_writer',
      skillToInvoke: 'long-form-writer',
      cli: { session: 'sess_existing' },
      ledger,
    });
    const message = feature('simple');
    const runId = createId('run');
    const outcome = await adapter.invoke(message, { runId });
    expect(outcome).toMatchObject({
      status: 'completed',
      summary: 'wrote the feature',
      foreignRunId: 'sess_existing',
    });
    const call = (await fake.calls()).find((entry) => entry.run_id === runId);
    expect(call?.args).toEqual([
      'chat',
      '-q',
      renderHermesInput(message),
      '-Q',
      '--source',
      'karnel',
      '--resume',
      'sess_existing',
      '--skills',
      'long-form-writer',
    ]);
    expect(call?.args.filter((arg) => /yolo|bypass|auto.?approve/i.test(arg))).toEqual([]);
    const events = ledger.records
      .filter((record) => record.type === 'adapter.progress')
      .map((record) => record.body.event);
    expect(events).toEqual(['hermes.cli_started', 'stderr', 'hermes.session']);
    expect(ledger.records.find((record) => record.body.event === 'stderr')?.body.stderr).toBe(
      '[hermes] thinking\n',
    );
  });

  it('resumes the session Hermes reported last, read back from the ledger', async () => {
    const ledger = createMemoryLedger();
    const first = createHermesAdapter({ role: 'specialist_writer', ledger });
    const started = await first.invoke(feature('simple'), { runId: createId('run') });
    expect(started.foreignRunId).toMatch(/^sess_/);
    const firstCall = (await fake.calls()).at(-1);
    expect(firstCall?.args).not.toContain('--resume');
    // Another adapter (a restarted runtime) on the same ledger carries the session over.
    const again = createHermesAdapter({ role: 'specialist_writer', ledger });
    const runId = createId('run');
    await again.invoke(feature('simple'), { runId });
    const call = (await fake.calls()).find((entry) => entry.run_id === runId);
    expect(call?.args.slice(6)).toEqual(['--resume', started.foreignRunId]);
  });

  it('runs one invocation at a time, each resuming the session the one before reported', async () => {
    const adapter = createHermesAdapter({ role: 'specialist_writer' });
    const [first, second] = [createId('run'), createId('run')];
    const [left, right] = await Promise.all([
      adapter.invoke(feature('simple', 'one'), { runId: first }),
      adapter.invoke(feature('simple', 'two'), { runId: second }),
    ]);
    expect(right.foreignRunId).toBe(left.foreignRunId);
    const calls = await fake.calls();
    expect(calls.find((entry) => entry.run_id === first)?.args).not.toContain('--resume');
    expect(calls.find((entry) => entry.run_id === second)?.args.slice(6)).toEqual([
      '--resume',
      left.foreignRunId,
    ]);
  });

  it('starts a new session when Hermes no longer knows the remembered one', async () => {
    const ledger = createMemoryLedger();
    const runId = createId('run');
    const outcome = await createHermesAdapter({
      role: 'specialist_writer',
      cli: { session: 'stale_session' },
      ledger,
    }).invoke(feature('simple'), { runId });
    expect(outcome.status).toBe('completed');
    const calls = (await fake.calls()).filter((entry) => entry.run_id === runId);
    expect(calls.map((entry) => entry.args.includes('--resume'))).toEqual([true, false]);
    expect(ledger.records.map((record) => record.body.event)).toContain('hermes.session_unknown');
  });

  it('turns a failing hermes into a failed outcome that says why', async () => {
    const outcome = await createHermesAdapter({ role: 'specialist_writer' }).invoke(
      feature('fail'),
      { runId: createId('run') },
    );
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome.summary).toBe('hermes exited with 3: Error: the provider refused the request');
  });

  it('kills the whole process group on cancel', async () => {
    const adapter = createHermesAdapter({ role: 'specialist_writer' });
    const runId = createId('run');
    const running = adapter.invoke(feature('long'), { runId });
    let pids: number[] = [];
    while (pids.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      pids = await fake.pids().catch(() => []);
    }
    expect(pids.every(alive)).toBe(true);
    expect(await adapter.cancel(runId)).toBe(true);
    expect((await running).status).toBe('cancelled');
    for (let tries = 0; pids.some(alive) && tries < 100; tries++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pids.filter(alive)).toEqual([]);
  });

  it('kills it on timeout and records the timeout', async () => {
    const ledger = createMemoryLedger();
    const outcome = await createHermesAdapter({
      role: 'specialist_writer',
      cli: { timeoutMs: 200 },
      ledger,
    }).invoke(feature('long'), { runId: createId('run') });
    expect(outcome.status).toBe('failed');
    expect(ledger.records.find((record) => record.type === 'adapter.error')?.body).toMatchObject({
      code: 'adapter/timeout',
    });
  });

  it('checks the command: green with hermes on PATH, failing with a hint without it', async () => {
    const report = await createHermesAdapter({ role: 'specialist_writer' }).check();
    expect(report.status).toBe('warn');
    expect(report.checks.map((check) => [check.code, check.level])).toEqual([
      ['hermes/cli', 'pass'],
      ['hermes/approvals', 'warn'],
    ]);
    expect(report.checks[0]?.message).toBe('hermes runs (Hermes Agent v0.0.0 (fake))');
    process.env.PATH = '/nonexistent';
    const missing = await createHermesAdapter({ role: 'specialist_writer' }).check();
    expect(missing.status).toBe('fail');
    expect(missing.checks[0]).toMatchObject({ code: 'hermes/cli', level: 'fail' });
    expect(missing.checks[0]?.hint).toContain('adapter.endpoint');
  });

  it('reads the quiet output and builds the argument vector', () => {
    expect(parseHermesQuietOutput('line one\nline two\n\nsession_id: 20260101_x\n')).toEqual({
      response: 'line one\nline two',
      sessionId: '20260101_x',
    });
    expect(parseHermesQuietOutput('no session line')).toEqual({ response: 'no session line' });
    expect(hermesCliArguments('hi')).toEqual(['chat', '-q', 'hi', '-Q', '--source', 'karnel']);
  });
});
