import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../format/entry';
import { type CommitBatch, CommitQueue, type QueuedAppend } from './commit-queue';

/** A queue whose writes finish when the test says so, recording each batch. */
function controlledQueue(group: { maxDelayMs: number; maxBatch: number } | undefined) {
  const batches: number[][] = [];
  const finish: Array<() => void> = [];
  const queue = new CommitQueue(group, (batch: CommitBatch) => {
    batches.push(batch.map((append) => (append as QueuedAppend & { n: number }).n));
    return new Promise<void>((resolve) => {
      finish.push(() => {
        for (const append of batch) append.resolve({ seq: 0 } as LedgerEntry);
        resolve();
      });
    });
  });
  const settled: number[] = [];
  const push = (n: number) =>
    queue.push({
      n,
      prepare: async () => {
        throw new Error('not prepared in this test');
      },
      signer: undefined,
      durable: true,
      resolve: () => settled.push(n),
      reject: () => undefined,
    } as QueuedAppend & { n: number });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { queue, batches, finish, settled, push, tick };
}

describe('CommitQueue', () => {
  it('with group commit and no delay, writes at once and batches what queued during a write', async () => {
    const { batches, finish, settled, push, tick } = controlledQueue({
      maxDelayMs: 0,
      maxBatch: 3,
    });
    push(1);
    push(2);
    await tick();
    // The appends queued in the same tick share the first batch, written without waiting.
    expect(batches).toEqual([[1, 2]]);
    push(3);
    push(4);
    push(5);
    push(6);
    await tick();
    expect(batches).toEqual([[1, 2]]);
    // Nothing is acknowledged before its batch's write (and fsync) finished.
    expect(settled).toEqual([]);
    finish[0]!();
    await tick();
    expect(settled).toEqual([1, 2]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    finish[1]!();
    await tick();
    expect(batches).toEqual([[1, 2], [3, 4, 5], [6]]);
    finish[2]!();
    await tick();
    expect(settled).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('without group commit, writes one append per batch, in order', async () => {
    const { batches, finish, settled, push, tick } = controlledQueue(undefined);
    push(1);
    push(2);
    await tick();
    expect(batches).toEqual([[1]]);
    finish[0]!();
    await tick();
    expect(batches).toEqual([[1], [2]]);
    finish[1]!();
    await tick();
    expect(settled).toEqual([1, 2]);
  });

  it('drains what is queued, including a batch not started yet', async () => {
    const { queue, batches, finish, push } = controlledQueue({ maxDelayMs: 0, maxBatch: 8 });
    push(1);
    const drained = queue.drain();
    await Promise.resolve();
    expect(batches).toEqual([[1]]);
    finish[0]!();
    await drained;
  });
});

describe('the write lock across batches', () => {
  it('is kept while appends are waiting, and let go once idle: another writer takes it at once', async () => {
    const { mkdtemp, rm, stat } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openLedger } = await import('../index');
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    try {
      const ledger = await openLedger(dir, { groupCommit: true });
      const other = await openLedger(dir, { lockTimeoutMs: 2000 });
      // Many appends at once: batches follow each other, some under one hold of the lock.
      const appended = await Promise.all(
        Array.from({ length: 200 }, (_, n) => ledger.append({ type: 'test.note', body: { n } })),
      );
      expect(appended.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, n) => n),
      );
      // Nothing queued: the lock file is gone a moment later (it lingers a millisecond for a
      // next batch), and another handle appends without waiting out its 2 s timeout.
      const gone = async () => {
        for (let tries = 0; tries < 200; tries++) {
          const found = await stat(join(dir, '.chain.lock')).catch(() => undefined);
          if (!found) return true;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return false;
      };
      expect(await gone()).toBe(true);
      expect((await other.append({ type: 'test.note', body: { n: 200 } })).seq).toBe(200);
      await other.close();
      await ledger.close();
      expect((await ledger.verify()).ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
