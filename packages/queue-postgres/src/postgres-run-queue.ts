import { createId } from '@karnel/core';
import type {
  ClaimedWake,
  EnqueueResult,
  MemberQueueState,
  RunQueue,
  WakeCompletion,
  WakeReason,
} from '@karnel/runtime';
import { PgBoss } from 'pg-boss';
import { ClaimLostError } from './errors';
import {
  type PostgresQueueSettings,
  type PostgresQueueSettingsInput,
  resolveQueueSettings,
} from './queue-settings';

/** What a wake job carries in pg-boss. */
interface WakeData {
  readonly member: string;
  readonly runId: string;
  readonly reasons: readonly WakeReason[];
  /** Failed runs in a row behind this wake (0 for a fresh wake). */
  readonly failures: number;
  /** When a wake went to the dead letters: why. */
  readonly deadReason?: string;
}

/** A wake in the dead-letter queue: it kept failing or kept losing its executor. */
export interface DeadWake {
  /** The dead-letter job's id. */
  readonly id: string;
  /** The member. */
  readonly member: string;
  /** The run id of the last attempt. */
  readonly runId: string;
  /** The reasons the wake carried. */
  readonly reasons: readonly WakeReason[];
  /** Why it was given up, one sentence. */
  readonly why: string;
}

/**
 * A `RunQueue` (`@karnel/runtime`) on PostgreSQL through pg-boss, plus what only a shared queue needs: the
 * attempt a claim is (for fencing) and the dead letters.
 */
export interface PostgresRunQueue extends RunQueue {
  /** The settings in force (connection string included; do not log it, see `redactConnectionString`). */
  readonly settings: PostgresQueueSettings;
  /** The pg-boss queue wakes go to (`karnel.<group>.wake`). */
  readonly queueName: string;
  /** The pg-boss queue of wakes given up (`karnel.<group>.dead`). */
  readonly deadLetterQueueName: string;
  /**
   * The attempt number of a claim this process holds: 0 for the first claim of a wake, one more
   * for each reclaim after a lapsed lease. Claims taken by another process are `undefined`: only
   * the process that claimed a wake heart-beats and completes it.
   */
  attemptOf(wakeId: string): number | undefined;
  /** The wakes that went to the dead letters, oldest first. */
  deadLetters(): Promise<readonly DeadWake[]>;
}

/**
 * Opens the run queue of `group` on PostgreSQL (pg-boss, installed into its own schema on first
 * use). Per member at most one wake is queued and one is running: the wake queue uses pg-boss's
 * `stately` policy keyed by member, and a reason offered while a wake is queued is merged into
 * that wake's reasons in one statement. A claim holds a lease of `leaseSeconds`, extended by
 * `RunQueue.heartbeat`; a lease that lapses (the executor died, or lost its network) is
 * swept every `sweepSeconds` and the wake is claimed again as the same run with `resume: true`
 * and a higher attempt number, after `maxReclaims` such losses it goes to the dead letters. A
 * run completed as `failed` is retried as a fresh run after an exponential backoff and after
 * `maxFailures` failures in a row it goes to the dead letters too.
 */
export async function createPostgresRunQueue(
  input: PostgresQueueSettingsInput,
): Promise<PostgresRunQueue> {
  const settings = resolveQueueSettings(input);
  const queueName = `karnel.${settings.group}.wake`;
  const deadLetterQueueName = `karnel.${settings.group}.dead`;
  const boss = new PgBoss({
    connectionString: settings.connectionString,
    schema: settings.schema,
    max: settings.maxConnections,
    superviseIntervalSeconds: settings.sweepSeconds,
    monitorIntervalSeconds: settings.sweepSeconds,
    application_name: `karnel-queue ${settings.group}`,
    registerInstance: false,
  });
  // pg-boss reports lost connections as events; the operations themselves reject and callers
  // retry them. Without a listener, an `error` event would end the process.
  const errors: unknown[] = [];
  boss.on('error', (error) => {
    errors.push(error);
    if (errors.length > 20) errors.shift();
  });
  await boss.start();
  const db = boss.getDb();
  await ensureQueues(boss, settings, queueName, deadLetterQueueName);

  const attempts = new Map<string, number>();
  const memberLocks = new Map<string, Promise<unknown>>();
  const job = `${quoteIdentifier(settings.schema)}.job`;

  /** Runs `task` after every earlier enqueue of the same member in this process. */
  function serialize<T>(member: string, task: () => Promise<T>): Promise<T> {
    const previous = memberLocks.get(member) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    memberLocks.set(member, settled);
    void settled.then(() => {
      if (memberLocks.get(member) === settled) memberLocks.delete(member);
    });
    return next;
  }

  /** Merges `reasons` into the member's queued (not yet claimed) wake; its id, or undefined when none is queued. */
  async function mergeIntoQueued(
    member: string,
    reasons: readonly WakeReason[],
    failures?: number,
  ): Promise<string | undefined> {
    // One statement, so it can neither lose a concurrent merge nor touch a wake that was
    // claimed meanwhile (`state = 'created'` is re-checked under the row lock).
    const { rows } = await db.executeSql(
      `UPDATE ${job}
          SET data = jsonb_set(
                jsonb_set(data, '{reasons}', coalesce(data->'reasons', '[]'::jsonb) || $3::jsonb),
                '{failures}', to_jsonb(greatest(coalesce((data->>'failures')::int, 0), $4::int)))
        WHERE name = $1 AND singleton_key = $2 AND state = 'created'
        RETURNING id`,
      [queueName, member, JSON.stringify(reasons), failures ?? 0],
    );
    return rows[0]?.id as string | undefined;
  }

  async function send(
    member: string,
    reasons: readonly WakeReason[],
    failures: number,
    startAfterSeconds?: number,
  ): Promise<string | null> {
    const data: WakeData = { member, runId: createId('run'), reasons, failures };
    return boss.send(queueName, data as unknown as object, {
      singletonKey: member,
      ...(startAfterSeconds !== undefined && startAfterSeconds > 0
        ? { startAfter: Math.ceil(startAfterSeconds) }
        : {}),
    });
  }

  /** Queues `reasons` for `member`, merging into its queued wake when there is one. */
  async function offer(
    member: string,
    reasons: readonly WakeReason[],
    failures: number,
    startAfterSeconds?: number,
  ): Promise<EnqueueResult> {
    for (let round = 0; round < 20; round += 1) {
      const merged = await mergeIntoQueued(member, reasons, failures);
      if (merged !== undefined) return { status: 'coalesced', wakeId: merged };
      const id = await send(member, reasons, failures, startAfterSeconds);
      if (id !== null) return { status: 'queued', wakeId: id };
      // Another process queued a wake for the member between the two statements: merge again.
    }
    throw new Error(`could not queue a wake for ${member}: the queued slot kept changing`);
  }

  /** The attempt this process holds on `wakeId`; only the process that claimed a wake may settle it. */
  function held(wakeId: string): { id: string; retryCount: number } {
    const attempt = attempts.get(wakeId);
    if (attempt === undefined) throw new ClaimLostError({ wakeId });
    return { id: wakeId, retryCount: attempt };
  }

  function retryDelay(failures: number): number {
    const base = settings.retryDelaySeconds * 2 ** Math.min(16, failures - 1);
    const jittered = base / 2 + (base / 2) * Math.random();
    return Math.min(settings.retryDelayMaxSeconds, jittered);
  }

  const queue: PostgresRunQueue = {
    specificationVersion: 'v1',
    settings,
    queueName,
    deadLetterQueueName,

    enqueue(member, reason) {
      if (member.length === 0 || member.length > 200) {
        return Promise.resolve({ status: 'refused', why: 'the member name is empty or too long' });
      }
      return serialize(member, () => offer(member, [reason], 0));
    },

    async claim(): Promise<ClaimedWake | undefined> {
      const [fetched] = await boss.fetch<WakeData>(queueName, { includeMetadata: true });
      if (fetched === undefined) return undefined;
      attempts.set(fetched.id, fetched.retryCount);
      const resumes = resumedRun(fetched.data);
      const leaseExpiresAt = new Date(Date.now() + settings.leaseSeconds * 1000).toISOString();
      return {
        wakeId: fetched.id,
        member: fetched.data.member,
        reasons: fetched.data.reasons,
        runId: resumes ?? fetched.data.runId,
        // A reason that names a parked or interrupted run resumes it; a wake claimed again
        // after a lapsed lease is the same run, resumed from its steps.
        resume: resumes !== undefined || fetched.retryCount > 0,
        leaseExpiresAt,
      };
    },

    async heartbeat(wakeId) {
      // Fenced to the attempt this process claimed: after a reclaim it touches nothing.
      const result = (await boss.touch(queueName, held(wakeId))) as { affected?: number };
      if ((result.affected ?? 0) === 0) throw new ClaimLostError({ wakeId });
    },

    async complete(wakeId: string, completion: WakeCompletion) {
      const attempt = held(wakeId);
      if (completion !== 'failed') {
        const result = (await boss.complete(queueName, attempt, { completion })) as {
          affected?: number;
        };
        attempts.delete(wakeId);
        if ((result.affected ?? 0) === 0) throw new ClaimLostError({ wakeId });
        return;
      }
      const [current] = await boss.findJobs<WakeData>(queueName, { id: wakeId });
      const result = (await boss.complete(queueName, attempt, { completion })) as {
        affected?: number;
      };
      attempts.delete(wakeId);
      if ((result.affected ?? 0) === 0 || current === undefined) {
        throw new ClaimLostError({ wakeId });
      }
      const data = current.data;
      const failures = (data.failures ?? 0) + 1;
      if (failures >= settings.maxFailures) {
        await boss.send(deadLetterQueueName, {
          ...data,
          failures,
          deadReason: `the run failed ${failures} times in a row`,
        } satisfies WakeData);
        return;
      }
      // A fresh run after a backoff; a wake queued meanwhile absorbs it instead.
      await serialize(data.member, () =>
        offer(data.member, data.reasons, failures, retryDelay(failures)),
      );
    },

    async snapshot(): Promise<readonly MemberQueueState[]> {
      const { rows } = await db.executeSql(
        `SELECT id, singleton_key, state::text AS state, data, started_on
           FROM ${job}
          WHERE name = $1 AND state IN ('created', 'retry', 'active')
          ORDER BY singleton_key, created_on`,
        [queueName],
      );
      const members = new Map<string, MemberQueueState>();
      for (const row of rows) {
        const member = String(row.singleton_key);
        const data = row.data as WakeData;
        const state: {
          member: string;
          queued?: MemberQueueState['queued'];
          running?: MemberQueueState['running'];
        } = { ...(members.get(member) ?? { member }) };
        if (row.state === 'created') {
          state.queued = { wakeId: String(row.id), reasons: data.reasons };
        } else {
          // `retry`: a lapsed lease waiting to be reclaimed, still this member's running run.
          state.running = {
            wakeId: String(row.id),
            runId: resumedRun(data) ?? data.runId,
            since: new Date(row.started_on ?? Date.now()).toISOString(),
          };
        }
        members.set(member, state);
      }
      return [...members.values()];
    },

    attemptOf(wakeId) {
      return attempts.get(wakeId);
    },

    async deadLetters() {
      const jobs = await boss.findJobs<WakeData>(deadLetterQueueName, { limit: 100_000 });
      return jobs.map((dead) => ({
        id: dead.id,
        member: dead.data.member,
        runId: resumedRun(dead.data) ?? dead.data.runId,
        reasons: dead.data.reasons,
        why:
          dead.data.deadReason ??
          `its executor was lost more than ${settings.maxReclaims} times (the lease lapsed)`,
      }));
    },

    async close() {
      await boss.stop({ graceful: false, close: true, timeout: 5000 });
    },
  };
  return queue;
}

async function ensureQueues(
  boss: PgBoss,
  settings: PostgresQueueSettings,
  queueName: string,
  deadLetterQueueName: string,
): Promise<void> {
  if ((await boss.getQueue(deadLetterQueueName)) === null) {
    await boss.createQueue(deadLetterQueueName, { policy: 'standard' }).catch(ignoreExists);
  }
  if ((await boss.getQueue(queueName)) === null) {
    await boss
      .createQueue(queueName, {
        policy: 'stately',
        heartbeatSeconds: settings.leaseSeconds,
        expireInSeconds: settings.maxRunSeconds,
        // Retries here are reclaims of a lapsed lease: immediate, so the run resumes before any
        // newer wake of the member. Failed runs are retried with a backoff by `complete`.
        retryLimit: settings.maxReclaims,
        retryDelay: 0,
        retryBackoff: false,
        deadLetter: deadLetterQueueName,
      })
      .catch(ignoreExists);
  }
}

/** The parked or interrupted run a wake's reasons resume (the first one named), if any. */
function resumedRun(data: WakeData): string | undefined {
  return data.reasons.find((reason) => reason.runId !== undefined)?.runId;
}

function ignoreExists(error: unknown): void {
  if (error instanceof Error && /already exists|duplicate key/i.test(error.message)) return;
  throw error;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
