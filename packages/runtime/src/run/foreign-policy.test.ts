import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineAdapter } from '@karnel/adapters';
import { createMessage, type Message } from '@karnel/coordination';
import { createId } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { signApprovalDecision } from '@karnel/policy';
import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTER_CAPABILITY, createRunExecutor } from './create-run-executor';
import { copyExampleGroup } from './example-group.test-support';
import { openRuntimeParts, type RuntimeParts } from './open-runtime-parts';
import { readRecordedRun } from './recorded-run';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/**
 * The example group with the rule for foreign members' adapter calls set to `effect` (or
 * removed: deny by default), its foreign writer reached through a real adapter that records
 * what it performed.
 */
async function foreignGroup(effect: 'allow' | 'needs-approval' | undefined) {
  const { dir, owner } = await copyExampleGroup();
  cleanup.push(() => rm(join(dir, '..'), { recursive: true, force: true }));
  const policyPath = join(dir, 'policy.yaml');
  const policy = await readFile(policyPath, 'utf8');
  const rule = / {2}- id: foreign-members\n(?: {4}.*\n)+/;
  expect(policy).toMatch(rule);
  await writeFile(
    policyPath,
    effect === undefined
      ? policy.replace(rule, '')
      : policy.replace(rule, (text) => text.replace('effect: allow', `effect: ${effect}`)),
  );
  const ledger = await openLedger(join(dir, 'ledger'));
  cleanup.push(() => ledger.close());
  const performed: string[] = [];
  const open = async (): Promise<RuntimeParts> => {
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
          estimateCost: async () => ({ basis: 'free' }),
          perform: async (message, { runId }) => {
            performed.push(`${runId} ${message.id}`);
            return { status: 'completed', summary: 'Wrote the long-form feature.' };
          },
        }),
    });
    cleanup.push(() => parts.close());
    return parts;
  };
  const parts = await open();
  const task = createMessage({
    type: 'task',
    from: 'strategist',
    to: 'specialist_writer',
    payload: { title: 'A long-form feature on KV caches', task_class: 'long_form_feature' },
  });
  await parts.coordinator.send(task);
  return { parts, open, owner, task, performed };
}

function reasonsFor(task: Message) {
  return [{ kind: 'message' as const, detail: 'task', ref: task.id, at: '2026-12-07T09:00:00Z' }];
}

describe('a foreign member’s adapter call', () => {
  it('is decided by policy: denied by default, a recorded refused step, the adapter never invoked', async () => {
    const { parts, task, performed } = await foreignGroup(undefined);
    expect(
      parts.policy.decide({
        actor: 'specialist_writer',
        capability: `${ADAPTER_CAPABILITY}:specialist_writer`,
      }).effect,
    ).toBe('deny');
    const runId = createId('run');
    const result = await createRunExecutor(parts).execute(
      { runId, member: 'specialist_writer', reasons: reasonsFor(task), resume: false },
      { signal: new AbortController().signal },
    );
    expect(result.status).toBe('failed');
    expect(result.error).toContain('refused');
    expect(performed).toEqual([]);
    const recorded = await readRecordedRun(parts.ledger, runId);
    expect(recorded.finished).toBe(true);
    expect(recorded.steps).toHaveLength(1);
    expect(recorded.steps[0]).toMatchObject({
      kind: 'tool',
      tool: 'adapter',
      decision: 'deny',
    });
    expect(recorded.steps[0]?.error).toContain('denied');
    const types: string[] = [];
    for await (const entry of parts.ledger.entries({ type: 'adapter' })) types.push(entry.type);
    expect(types).toEqual([]);
    // Whoever asked learns that the task was declined.
    const answer = (await parts.coordinator.history()).at(-1);
    expect(answer).toMatchObject({ type: 'result', from: 'specialist_writer', to: 'strategist' });
    expect(answer?.payload).toMatchObject({ task: task.id, status: 'declined' });
    expect((await parts.treasury.balances()).openReservations).toHaveLength(0);
  });

  it('parks the run when it needs approval, and invokes the adapter once after the owner approves', async () => {
    const { parts, open, owner, task, performed } = await foreignGroup('needs-approval');
    const runId = createId('run');
    const parked = await createRunExecutor(parts).execute(
      { runId, member: 'specialist_writer', reasons: reasonsFor(task), resume: false },
      { signal: new AbortController().signal },
    );
    expect(parked.status).toBe('parked');
    expect(parked.waitingOn).toMatch(/^apr_/);
    expect(performed).toEqual([]);
    const request = await parts.approvals.get(parked.waitingOn!);
    expect(request).toMatchObject({
      status: 'pending',
      actor: 'specialist_writer',
      capability: `${ADAPTER_CAPABILITY}:specialist_writer`,
    });
    let parkedEntries = 0;
    for await (const entry of parts.ledger.entries({ type: 'run.parked' }))
      if (entry.body.runId === runId) parkedEntries++;
    expect(parkedEntries).toBe(1);

    // Still pending: a second execution parks again without asking twice.
    const still = await createRunExecutor(parts).execute(
      { runId, member: 'specialist_writer', reasons: reasonsFor(task), resume: true },
      { signal: new AbortController().signal },
    );
    expect(still).toMatchObject({ status: 'parked', waitingOn: parked.waitingOn });

    const answer = await parts.approvals.decide(
      signApprovalDecision(request!, owner, { decision: 'approve' }),
    );
    expect(answer.ok).toBe(true);
    // A fresh set of parts, as after a restart of the runtime.
    const reopened = await open();
    const resumed = await createRunExecutor(reopened).execute(
      {
        runId,
        member: 'specialist_writer',
        reasons: [
          {
            kind: 'approval-answered',
            detail: 'approved',
            ref: parked.waitingOn!,
            at: '2026-12-07T10:00:00Z',
          },
        ],
        resume: true,
      },
      { signal: new AbortController().signal },
    );
    expect(resumed.status).toBe('succeeded');
    expect(performed).toHaveLength(1);
    expect(performed[0]).toContain(runId);
    const steps = (await readRecordedRun(reopened.ledger, runId)).steps;
    expect(steps.map((step) => [step.kind, step.decision ?? null])).toEqual([
      ['tool', 'needs-approval'],
      ['tool', 'allow'],
      ['adapter', null],
    ]);
    expect(steps[1]?.approvalId).toBe(parked.waitingOn);
    expect((await reopened.approvals.get(parked.waitingOn!))?.status).not.toBe('pending');
    expect((await reopened.ledger.verify()).ok).toBe(true);
  });
});
