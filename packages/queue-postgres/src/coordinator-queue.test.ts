import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres, uniqueGroup } from '../test/postgres-server';
import { createCoordinatorQueue } from './coordinator-queue';
import { createPostgresRunQueue } from './postgres-run-queue';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('createCoordinatorQueue', () => {
  it('enqueues a reason once, never claims, and refuses to resume a run an executor holds', async () => {
    const queue = await createPostgresRunQueue({
      connectionString: server.url,
      group: uniqueGroup('coordinator-queue'),
    });
    const runs = new Map([
      ['run_held', { parked: false }],
      ['run_parked', { parked: true }],
    ]);
    const ticking = createCoordinatorQueue(queue, { runs });
    try {
      const at = new Date().toISOString();
      const first = await ticking.enqueue('writer', {
        kind: 'message',
        detail: 'm',
        ref: 'msg_1',
        at,
      });
      expect(first.status).toBe('queued');
      // The runtime offers the same reason again on its next tick: it joins the same wake.
      const again = await ticking.enqueue('writer', {
        kind: 'message',
        detail: 'm',
        ref: 'msg_1',
        at,
      });
      expect(again).toEqual({
        status: 'coalesced',
        wakeId: first.status === 'queued' ? first.wakeId : '',
      });
      const held = await ticking.enqueue('critic', {
        kind: 'interrupted',
        detail: 'run run_held was cut short after 2 steps',
        ref: 'run_held',
        runId: 'run_held',
        at,
      });
      expect(held.status).toBe('refused');
      const parked = await ticking.enqueue('critic', {
        kind: 'interrupted',
        detail: 'run run_parked was parked (runtime-stop) after 2 steps',
        ref: 'run_parked',
        runId: 'run_parked',
        at,
      });
      expect(parked.status).toBe('queued');
      expect(await ticking.claim()).toBeUndefined();
      await ticking.close();
      // Closing the runtime's view leaves the coordinator's queue open: the wakes are there.
      const states = await queue.snapshot();
      expect(
        states
          .filter((state) => state.queued !== undefined)
          .map((state) => state.member)
          .sort(),
      ).toEqual(['critic', 'writer']);
      const claimed = await queue.claim();
      expect(claimed).toBeDefined();
    } finally {
      await queue.close();
    }
  });
});
