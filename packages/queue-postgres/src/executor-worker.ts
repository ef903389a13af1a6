import type { RunExecutor, RunResult } from '@karnel/runtime';
import { ClaimLostError } from './errors';
import { createPostgresRunQueue, type PostgresRunQueue } from './postgres-run-queue';
import { type PostgresQueueSettingsInput, resolveQueueSettings } from './queue-settings';
import type { RemoteRunSession } from './remote-run-session';
import { isTransient, openRunChannel, sleep } from './run-channel';
import { toJson } from './run-records';
import { listenForWakes } from './wake-listener';

/** What an executor process is given. */
export interface ExecutorWorkerOptions {
  /** The queue's settings (the same connection string and group as the coordinator's). */
  readonly queue: PostgresQueueSettingsInput;
  /**
   * Makes the run executor for one run, bound to its session: whatever it records goes to the
   * coordinator through `session.appendStep`. Called once per run handed out.
   */
  readonly executor: (session: RemoteRunSession) => RunExecutor;
  /** Runs carried out at once by this process. Default 1. */
  readonly concurrency?: number;
  /**
   * How often an idle worker polls for a wake, in milliseconds. Default 1000: a queued wake and
   * a completed one (which frees the member's next wake) are announced with LISTEN/NOTIFY, so
   * polling only catches reclaimed leases and retries after a backoff.
   */
  readonly pollMs?: number;
  /** Called with every error a run survives (a restarting database …). Default: ignored. */
  readonly onError?: (error: unknown) => void;
  /** Called when a run of this process ends, however it ended. */
  readonly onRun?: (event: ExecutorRunEvent) => void;
}

/** One run an executor process handled. */
export interface ExecutorRunEvent {
  /** The run. */
  readonly runId: string;
  /** The member. */
  readonly member: string;
  /** The claim's attempt. */
  readonly attempt: number;
  /** `executed` ran it; `finished` found it already finished (after a reclaim); `refused`, `fenced` and `lost` did not run it to the end. */
  readonly outcome: 'executed' | 'finished' | 'refused' | 'fenced' | 'lost';
  /** The executor's result when it ran. */
  readonly result?: RunResult;
}

/** A running executor process's worker. */
export interface ExecutorWorker {
  /** Its queue handle. */
  readonly queue: PostgresRunQueue;
  /** Runs handled so far. */
  readonly handled: number;
  /** Stops claiming, waits for the runs in progress, closes the connections. */
  close(): Promise<void>;
}

/**
 * Starts an executor: it claims wakes from the group's queue, asks the coordinator to start
 * each run (the coordinator reserves its worst-case cost first), executes it with the given
 * `RunExecutor` (`@karnel/runtime`), sends every step back through Postgres, reports the result and completes
 * the wake. The claim is heart-beaten every third of the lease; if the lease is lost anyway, the
 * run's signal is aborted and nothing more it records is accepted.
 */
export async function startExecutorWorker(options: ExecutorWorkerOptions): Promise<ExecutorWorker> {
  const settings = resolveQueueSettings(options.queue);
  const queue = await createPostgresRunQueue(options.queue);
  const channel = await openRunChannel(settings.connectionString, settings.group);
  let stopped = false;
  let handled = 0;
  const sleepers = new Set<() => void>();
  const listener = listenForWakes(settings.connectionString, queue.queueName, () => {
    for (const wake of sleepers) wake();
  });
  /** Waits `ms`, or less when a wake is announced. */
  function idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  }

  async function retrying<T>(task: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        return await task();
      } catch (error) {
        if (stopped || !isTransient(error) || Date.now() > deadline) throw error;
        options.onError?.(error);
        await sleep(250);
      }
    }
  }

  async function runOne(): Promise<boolean> {
    const claimed = await queue.claim();
    if (claimed === undefined) return false;
    const attempt = queue.attemptOf(claimed.wakeId) ?? 0;
    const controller = new AbortController();
    const beat = setInterval(
      () => {
        queue.heartbeat(claimed.wakeId).catch((error: unknown) => {
          if (ClaimLostError.isInstance(error)) controller.abort(error);
          else options.onError?.(error);
        });
      },
      (settings.leaseSeconds * 1000) / 3,
    );
    const base = { runId: claimed.runId, wakeId: claimed.wakeId, attempt };
    const report = (event: Omit<ExecutorRunEvent, 'runId' | 'member' | 'attempt'>) => {
      handled += 1;
      options.onRun?.({ runId: claimed.runId, member: claimed.member, attempt, ...event });
    };
    try {
      const startId = await retrying(() =>
        channel.send({
          ...base,
          kind: 'start',
          seq: null,
          body: { member: claimed.member, reasons: claimed.reasons, resume: claimed.resume },
        }),
      );
      const start = await retrying(() => channel.reply(startId, controller.signal));
      if (start.decision === 'finished') {
        await retrying(() => queue.complete(claimed.wakeId, 'succeeded'));
        report({ outcome: 'finished' });
        return true;
      }
      if (start.decision === 'refused') {
        await retrying(() => queue.complete(claimed.wakeId, 'abandoned'));
        report({ outcome: 'refused' });
        return true;
      }
      if (start.decision !== 'run') {
        report({ outcome: 'fenced' });
        return true;
      }
      let next = Number(start.resumeFrom ?? 0);
      // Everything the run sends goes out in order, one message at a time: the coordinator
      // handles messages by id, so a step sent before a record is applied before it.
      let queued: Promise<unknown> = Promise.resolve();
      const inOrder = <T>(task: () => Promise<T>): Promise<T> => {
        const sent = queued.then(task);
        queued = sent.catch(() => undefined);
        return sent;
      };
      let outcome: Record<string, unknown> = {};
      const session: RemoteRunSession = {
        ticket: {
          runId: claimed.runId,
          member: claimed.member,
          reasons: claimed.reasons,
          resume: claimed.resume || next > 0,
          attempt,
          reservationId: String(start.reservationId),
        },
        recordedSteps: next,
        appendStep(step) {
          if (controller.signal.aborted) return Promise.reject(controller.signal.reason);
          const seq = next;
          next += 1;
          return inOrder(async () => {
            await retrying(() => channel.send({ ...base, kind: 'step', seq, body: step }));
          });
        },
        async apply(record) {
          controller.signal.throwIfAborted();
          const id = await inOrder(() =>
            retrying(() =>
              channel.send({ ...base, kind: 'record', seq: null, body: toJson(record) }),
            ),
          );
          const answer = await retrying(() => channel.reply(id, controller.signal));
          if (answer.accepted === false) {
            // Fenced off: another attempt holds the run now.
            const lost = new ClaimLostError({
              wakeId: claimed.wakeId,
              message: `the coordinator refused a record of run ${claimed.runId}: ${String(answer.why)}`,
            });
            controller.abort(lost);
            throw lost;
          }
          if (typeof answer.error === 'string') throw new Error(answer.error);
          return (answer.result ?? {}) as Record<string, unknown>;
        },
        noteOutcome(details) {
          outcome = details;
        },
      };
      let result: RunResult;
      try {
        result = await options
          .executor(session)
          .execute(session.ticket, { signal: controller.signal });
      } catch (error) {
        if (controller.signal.aborted || ClaimLostError.isInstance(error)) throw error;
        // A run executor that throws has a bug or lost a resource: the run fails (retried
        // with a backoff, then dead-lettered) instead of its lease lapsing again and again.
        result = {
          status: 'failed',
          cost: '0',
          steps: next,
          error: error instanceof Error ? error.message : String(error),
        };
      }
      await queued;
      controller.signal.throwIfAborted();
      // The finish is durable once sent and the coordinator handles messages in order, so the
      // wake is completed without waiting for the answer: a member's next run cannot start
      // before this finish is in the ledger. A superseded attempt's completion is refused by
      // the queue as its finish is by the coordinator.
      await retrying(() =>
        channel.send({
          ...base,
          kind: 'finish',
          seq: null,
          body: {
            status: result.status,
            cost: result.cost,
            steps: result.steps,
            ...(result.error !== undefined ? { error: result.error } : {}),
            ...(result.waitingOn !== undefined ? { waitingOn: result.waitingOn } : {}),
            ...(typeof outcome.summary === 'string' ? { summary: outcome.summary } : {}),
          },
        }),
      );
      await retrying(() => queue.complete(claimed.wakeId, result.status));
      report({ outcome: 'executed', result });
      return true;
    } catch (error) {
      if (ClaimLostError.isInstance(error) || controller.signal.aborted) {
        report({ outcome: 'lost' });
        return true;
      }
      throw error;
    } finally {
      clearInterval(beat);
    }
  }

  const loops = Array.from({ length: options.concurrency ?? 1 }, async () => {
    while (!stopped) {
      try {
        if (!(await runOne())) await idle(options.pollMs ?? 1000);
      } catch (error) {
        options.onError?.(error);
        await sleep(250);
      }
    }
  });

  return {
    queue,
    get handled() {
      return handled;
    },
    async close() {
      stopped = true;
      for (const wake of sleepers) wake();
      await Promise.all(loops);
      await Promise.all([queue.close(), channel.close(), listener.close()]);
    },
  };
}
