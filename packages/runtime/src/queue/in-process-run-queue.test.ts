import { createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import type { WakeReason } from '../wake-reason';
import { createInProcessRunQueue } from './in-process-run-queue';

const reason = (detail: string, extra: Partial<WakeReason> = {}): WakeReason => ({
  kind: 'manual',
  detail,
  ref: detail,
  at: '2026-12-06T10:00:00.000Z',
  ...extra,
});

describe('createInProcessRunQueue', () => {
  it('holds at most one queued and one running wake per member: 100 reasons while running coalesce into one', async () => {
    const queue = createInProcessRunQueue();
    expect(await queue.enqueue('writer', reason('first'))).toMatchObject({ status: 'queued' });
    const running = await queue.claim();
    expect(running).toMatchObject({ member: 'writer', resume: false });
    expect(running?.runId).toMatch(/^run_/);

    const results = [];
    for (let index = 0; index < 100; index++)
      results.push(await queue.enqueue('writer', reason(`reason ${index}`)));
    expect(results[0]).toMatchObject({ status: 'queued' });
    expect(results.slice(1).every((result) => result.status === 'coalesced')).toBe(true);
    expect(new Set(results.map((result) => 'wakeId' in result && result.wakeId)).size).toBe(1);

    const [state] = await queue.snapshot();
    expect(state?.running?.runId).toBe(running?.runId);
    expect(state?.queued?.reasons).toHaveLength(100);
    // The member is busy: nothing more to claim until its run completes.
    expect(await queue.claim()).toBeUndefined();
    await queue.complete(running!.wakeId, 'succeeded');
    const next = await queue.claim();
    expect(next?.reasons).toHaveLength(100);
    expect(await queue.claim()).toBeUndefined();
  });

  it('does not add a reason twice, nor one the running wake already carries', async () => {
    const queue = createInProcessRunQueue();
    await queue.enqueue('critic', reason('msg_1'));
    await queue.claim();
    expect(await queue.enqueue('critic', reason('msg_1'))).toMatchObject({ status: 'coalesced' });
    const [state] = await queue.snapshot();
    expect(state?.member).toBe('critic');
    expect(state?.queued).toBeUndefined();
    await queue.enqueue('critic', reason('msg_2'));
    await queue.enqueue('critic', reason('msg_2'));
    expect((await queue.snapshot())[0]?.queued?.reasons).toHaveLength(1);
  });

  it("refuses a member's own message and a paused member", async () => {
    const queue = createInProcessRunQueue({ isPaused: (member) => member === 'critic' });
    expect(
      await queue.enqueue('writer', reason('msg_9', { kind: 'message', from: 'writer' })),
    ).toEqual({
      status: 'refused',
      why: "a member's own message never wakes it (writer)",
    });
    expect(await queue.enqueue('critic', reason('x'))).toMatchObject({ status: 'refused' });
    expect(await queue.snapshot()).toEqual([]);
  });

  it('resumes the run a reason names, hands out the oldest wake first, and frees a claim whose lease ran out', async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    const queue = createInProcessRunQueue({ clock, claimTtlMs: 1000 });
    await queue.enqueue(
      'writer',
      reason('apr_1', { kind: 'approval-answered', runId: 'run_parked' }),
    );
    clock.advance(10);
    await queue.enqueue('critic', reason('c'));
    const first = await queue.claim();
    expect(first).toMatchObject({ member: 'writer', runId: 'run_parked', resume: true });
    await queue.enqueue('writer', reason('later'));
    expect((await queue.claim())?.member).toBe('critic');
    expect(await queue.claim()).toBeUndefined();
    clock.advance(2000);
    expect((await queue.claim())?.member).toBe('writer');
  });
});
