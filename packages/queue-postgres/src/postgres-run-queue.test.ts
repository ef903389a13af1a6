import type { WakeReason } from '@karnel/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  startTestPostgres,
  type TestPostgres,
  uniqueGroup,
} from '../test/postgres-server';
import { describeRunQueueConformance } from '../test/run-queue-conformance';
import { ClaimLostError, QueueConfigError } from './errors';
import { createPostgresRunQueue, type PostgresRunQueue } from './postgres-run-queue';
import { resolveQueueSettings } from './queue-settings';
import { listenForWakes } from './wake-listener';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describeRunQueueConformance('PostgreSQL (pg-boss)', async () => {
  const group = uniqueGroup('conformance');
  const queue = await createPostgresRunQueue({ connectionString: server.url, group });
  return {
    queue,
    join: () => createPostgresRunQueue({ connectionString: server.url, group }),
  };
});

const reason = (detail: string): WakeReason => ({
  kind: 'manual',
  detail,
  at: new Date().toISOString(),
});

describe('leases, retries and dead letters', () => {
  it('reclaims a claim that is not heart-beaten as the same run, fences the old holder, and gives up after maxReclaims', async () => {
    const group = uniqueGroup('lease');
    const settings = {
      connectionString: server.url,
      group,
      leaseSeconds: 10,
      sweepSeconds: 1,
      maxReclaims: 1,
    };
    const lost = await createPostgresRunQueue(settings);
    const other = await createPostgresRunQueue(settings);
    try {
      await lost.enqueue('editor', reason('daily'));
      const first = await lost.claim();
      expect(first?.resume).toBe(false);
      expect(lost.attemptOf(first?.wakeId ?? '')).toBe(0);
      // The holder goes silent; another executor gets the same run back, to resume.
      const second = await eventually(() => other.claim(), { timeoutMs: 90_000 });
      expect(second.wakeId).toBe(first?.wakeId);
      expect(second.runId).toBe(first?.runId);
      expect(second.resume).toBe(true);
      expect(second.reasons).toEqual(first?.reasons);
      expect(other.attemptOf(second.wakeId)).toBe(1);
      // The old holder is fenced off: its heartbeat and its completion are refused.
      await expect(lost.heartbeat(second.wakeId)).rejects.toSatisfy(ClaimLostError.isInstance);
      await expect(lost.complete(second.wakeId, 'succeeded')).rejects.toSatisfy(
        ClaimLostError.isInstance,
      );
      const snapshot = await other.snapshot();
      expect(snapshot[0]?.running?.runId).toBe(first?.runId);
      // Lost a second time: past maxReclaims, the wake goes to the dead letters.
      const dead = await eventually(
        async () => {
          const letters = await other.deadLetters();
          return letters.length > 0 ? letters : undefined;
        },
        { timeoutMs: 90_000 },
      );
      expect(dead).toHaveLength(1);
      expect(dead[0]?.member).toBe('editor');
      expect(dead[0]?.runId).toBe(first?.runId);
      expect(dead[0]?.why).toMatch(/executor was lost/);
      expect(await other.claim()).toBeUndefined();
      expect(await other.snapshot()).toEqual([]);
    } finally {
      await Promise.all([lost.close(), other.close()]);
    }
  });

  it('keeps a claim that is heart-beaten', async () => {
    const group = uniqueGroup('beat');
    const settings = { connectionString: server.url, group, leaseSeconds: 10, sweepSeconds: 1 };
    const holder = await createPostgresRunQueue(settings);
    const other = await createPostgresRunQueue(settings);
    try {
      await holder.enqueue('writer', reason('weekly'));
      const claimed = await holder.claim();
      // Two lease lengths, heart-beaten every 2 s: nobody else ever gets the wake.
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        await holder.heartbeat(claimed?.wakeId ?? '');
        expect(await other.claim()).toBeUndefined();
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      await holder.complete(claimed?.wakeId ?? '', 'succeeded');
      expect(await other.deadLetters()).toEqual([]);
    } finally {
      await Promise.all([holder.close(), other.close()]);
    }
  });

  it('retries a failed run as a fresh run after a backoff, then gives it up to the dead letters', async () => {
    const group = uniqueGroup('fail');
    const queue: PostgresRunQueue = await createPostgresRunQueue({
      connectionString: server.url,
      group,
      maxFailures: 2,
      retryDelaySeconds: 1,
    });
    try {
      await queue.enqueue('analyst', reason('first'));
      const first = await queue.claim();
      await queue.complete(first?.wakeId ?? '', 'failed');
      // Not ready yet (backoff), but it is the member's queued wake: new reasons join it.
      const joined = await queue.enqueue('analyst', reason('second'));
      expect(joined.status).toBe('coalesced');
      const retry = await eventually(() => queue.claim(), { timeoutMs: 30_000 });
      expect(retry.runId).not.toBe(first?.runId);
      expect(retry.resume).toBe(false);
      expect(retry.reasons.map((r) => r.detail)).toEqual(['first', 'second']);
      await queue.complete(retry.wakeId, 'failed');
      const dead = await queue.deadLetters();
      expect(dead).toHaveLength(1);
      expect(dead[0]?.why).toBe('the run failed 2 times in a row');
      expect(dead[0]?.reasons.map((r) => r.detail)).toEqual(['first', 'second']);
      expect(await queue.snapshot()).toEqual([]);
    } finally {
      await queue.close();
    }
  });
});

describe('wake announcements', () => {
  it('notifies listening executors of a queued wake and of a completion, and only for their queue', async () => {
    const group = uniqueGroup('notify');
    const queue = await createPostgresRunQueue({ connectionString: server.url, group });
    const other = await createPostgresRunQueue({
      connectionString: server.url,
      group: uniqueGroup('quiet'),
    });
    let wakes = 0;
    const listener = listenForWakes(server.url, queue.queueName, () => {
      wakes += 1;
    });
    try {
      // Once on connecting (notifications missed while away are made up for by a claim).
      await eventually(async () => (wakes >= 1 ? true : undefined));
      const connected = wakes;
      await other.enqueue('editor', reason('elsewhere'));
      await queue.enqueue('editor', reason('here'));
      await eventually(async () => (wakes === connected + 1 ? true : undefined));
      // A coalesced reason announces nothing new.
      await queue.enqueue('editor', reason('again'));
      const claimed = await queue.claim();
      await queue.complete(claimed?.wakeId ?? '', 'succeeded');
      await eventually(async () => (wakes === connected + 2 ? true : undefined));
    } finally {
      await listener.close();
      await Promise.all([queue.close(), other.close()]);
    }
  });
});

describe('settings', () => {
  it('names every problem and never repeats the password', () => {
    let caught: unknown;
    try {
      resolveQueueSettings({
        connectionString: 'mysql://root:hunter2@db/x',
        group: 'no spaces',
        leaseSeconds: 5,
      });
    } catch (error) {
      caught = error;
    }
    expect(QueueConfigError.isInstance(caught)).toBe(true);
    const problems = (caught as QueueConfigError).problems;
    expect(problems.some((line) => line.startsWith('connectionString:'))).toBe(true);
    expect(problems.some((line) => line.startsWith('group:'))).toBe(true);
    expect(problems.some((line) => line.startsWith('leaseSeconds:'))).toBe(true);
    expect((caught as Error).message).not.toContain('hunter2');
  });

  it('falls back to KARNEL_QUEUE_URL and refuses when neither is given', () => {
    const settings = resolveQueueSettings(
      { group: 'news' },
      { KARNEL_QUEUE_URL: 'postgres://u:p@127.0.0.1:5432/k' },
    );
    expect(settings.connectionString).toBe('postgres://u:p@127.0.0.1:5432/k');
    expect(settings.leaseSeconds).toBe(30);
    expect(() => resolveQueueSettings({ group: 'news' }, {})).toThrow(/KARNEL_QUEUE_URL/);
  });
});
