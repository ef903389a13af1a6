import type { RunQueue, WakeReason } from '@karnel/runtime';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * RunQueue semantics every engine must keep (the in-process default and the Postgres one):
 * at most one queued and one running wake per member, reasons coalescing into the queued wake,
 * claim / complete, oldest first. `open` returns a fresh, empty queue and a way to open another
 * handle on that same queue (standing for another executor; an in-process engine may return
 * the same object).
 */
export function describeRunQueueConformance(
  name: string,
  open: () => Promise<{ queue: RunQueue; join: () => Promise<RunQueue> }>,
): void {
  describe(`RunQueue conformance: ${name}`, () => {
    const opened: RunQueue[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close()));
    });
    let join: () => Promise<RunQueue> = () => Promise.reject(new Error('no queue yet'));
    async function fresh(): Promise<RunQueue> {
      const fixture = await open();
      opened.push(fixture.queue);
      join = async () => {
        const other = await fixture.join();
        if (!opened.includes(other)) opened.push(other);
        return other;
      };
      return fixture.queue;
    }

    it('queues a first reason and coalesces later ones into the same wake, oldest first', async () => {
      const queue = await fresh();
      const first = await queue.enqueue('editor', reason('cadence', 'daily'));
      const second = await queue.enqueue('editor', reason('message', 'from writer', 'msg_1'));
      const third = await queue.enqueue('editor', reason('manual', 'owner asked'));
      expect(first.status).toBe('queued');
      expect(second).toEqual({ status: 'coalesced', wakeId: wakeIdOf(first) });
      expect(third).toEqual({ status: 'coalesced', wakeId: wakeIdOf(first) });
      const claimed = await queue.claim();
      expect(claimed?.wakeId).toBe(wakeIdOf(first));
      expect(claimed?.member).toBe('editor');
      expect(claimed?.resume).toBe(false);
      expect(claimed?.runId).toMatch(/^run_/);
      expect(claimed?.reasons.map((r) => r.detail)).toEqual([
        'daily',
        'from writer',
        'owner asked',
      ]);
      expect(Date.parse(claimed?.leaseExpiresAt ?? '')).toBeGreaterThan(Date.now());
      expect(await queue.claim()).toBeUndefined();
    });

    it('holds at most one queued and one running wake per member', async () => {
      const queue = await fresh();
      const first = await queue.enqueue('writer', reason('cadence', 'one'));
      const running = await queue.claim();
      expect(running?.wakeId).toBe(wakeIdOf(first));
      // While the member runs, a new reason makes a new queued wake …
      const second = await queue.enqueue('writer', reason('message', 'two'));
      expect(second.status).toBe('queued');
      expect(wakeIdOf(second)).not.toBe(wakeIdOf(first));
      // … further reasons join it …
      const third = await queue.enqueue('writer', reason('message', 'three'));
      expect(third).toEqual({ status: 'coalesced', wakeId: wakeIdOf(second) });
      // … and it is not handed out while the member's run is still going.
      expect(await queue.claim()).toBeUndefined();
      const snapshot = await queue.snapshot();
      expect(snapshot).toHaveLength(1);
      expect(snapshot[0]?.member).toBe('writer');
      expect(snapshot[0]?.running?.wakeId).toBe(wakeIdOf(first));
      expect(snapshot[0]?.running?.runId).toBe(running?.runId);
      expect(snapshot[0]?.queued?.wakeId).toBe(wakeIdOf(second));
      expect(snapshot[0]?.queued?.reasons.map((r) => r.detail)).toEqual(['two', 'three']);

      await queue.complete(wakeIdOf(first), 'succeeded');
      const next = await queue.claim();
      expect(next?.wakeId).toBe(wakeIdOf(second));
      expect(next?.runId).not.toBe(running?.runId);
      expect(next?.reasons.map((r) => r.detail)).toEqual(['two', 'three']);
      await queue.complete(wakeIdOf(second), 'parked');
      expect(await queue.snapshot()).toEqual([]);
      expect(await queue.claim()).toBeUndefined();
    });

    it('hands out the oldest ready wake first and other members while one runs', async () => {
      const queue = await fresh();
      await queue.enqueue('a', reason('cadence', 'a1'));
      await queue.enqueue('b', reason('cadence', 'b1'));
      const a = await queue.claim();
      await queue.enqueue('a', reason('cadence', 'a2'));
      await queue.enqueue('c', reason('cadence', 'c1'));
      const b = await queue.claim();
      const c = await queue.claim();
      expect([a?.member, b?.member, c?.member]).toEqual(['a', 'b', 'c']);
      expect(await queue.claim()).toBeUndefined();
      await queue.complete(a?.wakeId ?? '', 'succeeded');
      const a2 = await queue.claim();
      expect(a2?.member).toBe('a');
      expect(a2?.reasons.map((r) => r.detail)).toEqual(['a2']);
    });

    it('resumes the run a reason names (an answered approval, an interrupted run)', async () => {
      const queue = await fresh();
      await queue.enqueue('editor', reason('cadence', 'daily'));
      await queue.enqueue('editor', {
        ...reason('approval-answered', 'owner approved', 'apr_1'),
        runId: 'run_01JPARKED0000000000000000',
      });
      const claimed = await queue.claim();
      expect(claimed?.runId).toBe('run_01JPARKED0000000000000000');
      expect(claimed?.resume).toBe(true);
      expect(claimed?.reasons.map((r) => r.kind)).toEqual(['cadence', 'approval-answered']);
      await queue.complete(claimed?.wakeId ?? '', 'succeeded');
      await queue.enqueue('editor', reason('cadence', 'next day'));
      const fresh2 = await queue.claim();
      expect(fresh2?.resume).toBe(false);
      expect(fresh2?.runId).not.toBe('run_01JPARKED0000000000000000');
    });

    it('refuses to complete or heartbeat a wake twice', async () => {
      const queue = await fresh();
      const queued = await queue.enqueue('x', reason('manual', 'once'));
      const claimed = await queue.claim();
      await queue.heartbeat(wakeIdOf(queued));
      await queue.complete(claimed?.wakeId ?? '', 'abandoned');
      await expect(queue.complete(wakeIdOf(queued), 'succeeded')).rejects.toThrow(/no longer held/);
      await expect(queue.heartbeat(wakeIdOf(queued))).rejects.toThrow(/no longer held/);
    });

    it('never lets two claimers run the same member at once', async () => {
      const claimers = [await fresh(), await join(), await join()];
      const producer = claimers[0] as RunQueue;
      const members = Array.from({ length: 12 }, (_, index) => `m${index}`);
      const running = new Set<string>();
      let overlaps = 0;
      let done = 0;
      let offered = 0;
      for (let round = 0; round < 3; round += 1) {
        for (const member of members) {
          await producer.enqueue(member, reason('message', `round ${round}`));
          offered += 1;
        }
      }
      await Promise.all(
        claimers.map(async (queue) => {
          let idle = 0;
          while (idle < 15) {
            const claimed = await queue.claim();
            if (claimed === undefined) {
              idle += 1;
              await new Promise((resolve) => setTimeout(resolve, 20));
              continue;
            }
            idle = 0;
            if (running.has(claimed.member)) overlaps += 1;
            running.add(claimed.member);
            await new Promise((resolve) => setTimeout(resolve, 5));
            running.delete(claimed.member);
            await queue.complete(claimed.wakeId, 'succeeded');
            done += 1;
          }
        }),
      );
      expect(overlaps).toBe(0);
      // Round 0 queued 12 wakes; later rounds coalesced into queued wakes or queued new ones.
      expect(done).toBeGreaterThanOrEqual(members.length);
      expect(done).toBeLessThanOrEqual(offered);
      expect(await producer.snapshot()).toEqual([]);
    });
  });
}

function reason(kind: WakeReason['kind'], detail: string, ref?: string): WakeReason {
  return { kind, detail, at: new Date().toISOString(), ...(ref ? { ref } : {}) };
}

function wakeIdOf(result: Awaited<ReturnType<RunQueue['enqueue']>>): string {
  if (result.status === 'refused') throw new Error(`refused: ${result.why}`);
  return result.wakeId;
}
