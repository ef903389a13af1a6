import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage } from '@karnel/coordination';
import { createId, createSigner, generateKeyPair } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { createApprovalQueue, createAuthority, signApprovalDecision } from '@karnel/policy';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type FakeHermes, startFakeHermes } from '../test/fake-hermes';
import { createHermesAdapter } from './hermes-adapter';
import { readServerSentEvents } from './server-sent-events';
import { createMemoryLedger, runAdapterConformance } from './testing';

const environment = { HERMES_TEST_KEY: API_KEY };

function feature(mode: string, title = 'Write the feature') {
  return createMessage({
    type: 'task',
    from: 'editor',
    to: 'specialist_writer',
    payload: { title, task_class: 'long_form_feature', inputs: { scenario: mode } },
  });
}

runAdapterConformance({
  name: 'createHermesAdapter',
  async setup({ ledger, taskClass }) {
    const hermes = await startFakeHermes();
    return {
      adapter: createHermesAdapter({
        role: 'specialist_writer',
        endpoint: hermes.url,
        apiKey: 'env:HERMES_TEST_KEY',
        environment,
        taskClasses: [taskClass],
        ledger,
        approvals: undefined,
        baseDelayMs: 1,
      }),
      workDone: async (runId) => hermes.started.get(runId) ?? 0,
      close: () => hermes.close(),
    };
  },
});

describe('createHermesAdapter', () => {
  let hermes: FakeHermes | undefined;
  let folder: string | undefined;
  afterEach(async () => {
    await hermes?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
    hermes = undefined;
    folder = undefined;
  });

  function adapterFor(
    server: FakeHermes,
    extra: Partial<Parameters<typeof createHermesAdapter>[0]> = {},
  ) {
    return createHermesAdapter({
      role: 'specialist_writer',
      endpoint: server.url,
      skillToInvoke: 'long-form-writer',
      apiKey: 'env:HERMES_TEST_KEY',
      environment,
      baseDelayMs: 1,
      approvalPollMs: 10,
      ...extra,
    });
  }

  it('streams events into the ledger and survives a dropped create and a dropped stream: one run', async () => {
    hermes = await startFakeHermes();
    hermes.dropNextCreate = true;
    const ledger = createMemoryLedger();
    const runId = createId('run');
    const outcome = await adapterFor(hermes, { ledger }).invoke(feature('drop'), { runId });
    expect(outcome).toMatchObject({
      status: 'completed',
      summary: 'wrote the feature',
      foreignRunId: 'hrun_1',
      cost: { amount: '0.031', currency: 'USD' },
    });
    expect(hermes.started.get(runId)).toBe(1);
    expect(hermes.runs.size).toBe(1);
    const events = ledger.records
      .filter((record) => record.type === 'adapter.progress')
      .map((record) => record.body.event);
    expect(events).toEqual([
      'retry',
      'hermes.run_created',
      'hermes.run.started',
      'hermes.stream_dropped',
      'hermes.message.delta',
      'hermes.run.completed',
    ]);
    expect(ledger.records.filter((record) => record.type === 'adapter.cost')).toHaveLength(1);
  });

  it('replays a run id to the same Hermes run: a second runtime without the ledger does no new work', async () => {
    hermes = await startFakeHermes();
    const runId = createId('run');
    const message = feature('simple');
    // Two adapters with no ledger in common (a runtime restarted after a crash): only Hermes'
    // Idempotency-Key handling keeps the work single.
    const first = await adapterFor(hermes).invoke(message, { runId });
    const second = await adapterFor(hermes).invoke(message, { runId });
    expect(first).toMatchObject({ status: 'completed', foreignRunId: 'hrun_1' });
    expect(second).toMatchObject({ status: 'completed', foreignRunId: 'hrun_1' });
    expect(second.replayed).toBeUndefined();
    expect(hermes.started.get(runId)).toBe(1);
    expect(hermes.runs.size).toBe(1);
  });

  it('answers a conflicting replay of a run id with a conflict, never a second run', async () => {
    hermes = await startFakeHermes();
    const runId = createId('run');
    await adapterFor(hermes).invoke(feature('simple', 'one'), { runId });
    const other = await adapterFor(hermes).invoke(feature('simple', 'another'), { runId });
    expect(other.status).toBe('failed');
    expect(other.summary).toContain('HTTP 409');
    expect(hermes.runs.size).toBe(1);
  });

  it("turns a Hermes approval into a signed Karnel approval and posts the owner's decision back", async () => {
    hermes = await startFakeHermes();
    folder = await mkdtemp(join(tmpdir(), 'karnel-adapters-hermes-'));
    const ledger = await openLedger(join(folder, 'ledger'));
    try {
      const owner = createSigner(generateKeyPair().secretKey);
      const worker = createSigner(generateKeyPair().secretKey);
      const authority = createAuthority({ dir: folder, owner: owner.did, ledger });
      const approvals = createApprovalQueue({ dir: folder, authority, ledger });
      const adapter = adapterFor(hermes, { ledger, approvals, signer: worker });
      const running = adapter.invoke(feature('approval'), { runId: createId('run') });
      // The adapter records the Karnel approval it opened; the owner looks it up by that id.
      let approvalId: string | undefined;
      let settled: unknown;
      running.then((outcome) => {
        settled = outcome;
      });
      while (approvalId === undefined) {
        if (settled) expect.fail(`the invocation ended first: ${JSON.stringify(settled)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        for await (const entry of ledger.entries())
          if (entry.type === 'adapter.progress' && entry.body.event === 'approval.requested')
            approvalId = String(entry.body.karnel_approval);
      }
      const request = await approvals.get(approvalId);
      expect(await approvals.list({ status: 'pending' })).toHaveLength(1);
      expect(request).toMatchObject({
        actor: 'specialist_writer',
        capability: 'adapter.hermes:specialist_writer',
      });
      expect(hermes.approvals).toEqual([]);
      await approvals.decide(signApprovalDecision(request!, owner, { decision: 'approve' }));
      const outcome = await running;
      expect(outcome).toMatchObject({ status: 'completed', summary: 'pushed after approval' });
      expect(hermes.approvals).toEqual([{ approval_id: 'ap_1', decision: 'approve' }]);
      expect((await approvals.get(request!.id))?.status).toBe('used');
      const types: string[] = [];
      for await (const entry of ledger.entries()) types.push(entry.type);
      expect(types).toEqual(
        expect.arrayContaining(['approval.requested', 'approval.approved', 'adapter.outcome']),
      );
    } finally {
      await ledger.close();
    }
  });

  it('denies every approval when no queue is configured', async () => {
    hermes = await startFakeHermes();
    const outcome = await adapterFor(hermes).invoke(feature('approval'), {
      runId: createId('run'),
    });
    expect(outcome).toMatchObject({ status: 'failed', summary: 'the approval was denied' });
    expect(hermes.approvals).toEqual([{ approval_id: 'ap_1', decision: 'deny' }]);
  });

  it('stops the Hermes run on cancel', async () => {
    hermes = await startFakeHermes();
    const adapter = adapterFor(hermes);
    const runId = createId('run');
    const running = adapter.invoke(feature('long'), { runId });
    while (hermes.runs.size === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await adapter.cancel(runId)).toBe(true);
    expect((await running).status).toBe('cancelled');
    expect(hermes.stops).toEqual(['hrun_1']);
  });

  it('fails check() closed when the server cannot stop runs, and never sends a bypass', async () => {
    hermes = await startFakeHermes();
    hermes.features = { run_submission: true };
    const report = await adapterFor(hermes).check();
    expect(report.status).toBe('fail');
    expect(report.checks.find((check) => check.code === 'hermes/capabilities')).toMatchObject({
      level: 'fail',
      message: 'the server lacks run_stop',
    });
    const source = await import('node:fs/promises').then((fs) =>
      fs.readFile(new URL('./hermes-adapter.ts', import.meta.url), 'utf8'),
    );
    expect(source).not.toMatch(/--yolo|bypass_approvals|auto_approve/);
  });

  it('reads server-sent events split anywhere', async () => {
    const text = 'id: 1\r\nevent: a\r\ndata: {"x":\r\ndata: 1}\r\n\r\n: comment\n\ndata: plain\n\n';
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < bytes.length; index += 3)
          controller.enqueue(bytes.slice(index, index + 3));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readServerSentEvents(stream)) events.push(event);
    expect(events).toEqual([
      { event: 'a', data: '{"x":\n1}', id: '1' },
      { event: 'message', data: 'plain', id: '1' },
    ]);
  });
});
