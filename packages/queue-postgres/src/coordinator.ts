import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatCost, parseCost } from '@karnel/core';
import type { Ledger } from '@karnel/ledger';
import type { Treasury } from '@karnel/treasury';
import { createPostgresRunQueue, type PostgresRunQueue } from './postgres-run-queue';
import { type PostgresQueueSettingsInput, resolveQueueSettings } from './queue-settings';
import { isTransient, openRunChannel, type RunMessage, sleep } from './run-channel';

/** What the coordinator is given: the group's ledger and treasury, which it alone writes. */
export interface CoordinatorOptions {
  /** The queue's settings (connection string, group name, leases …). */
  readonly queue: PostgresQueueSettingsInput;
  /** The group ledger, opened for writing (`openLedger(<group>/ledger)`). */
  readonly ledger: Ledger;
  /** The ledger's folder, where the runs' manifests and steps are read back after a restart. */
  readonly ledgerDir: string;
  /** The group treasury: a reservation of `maxCostPerRun` is taken before a run is handed out. */
  readonly treasury: Treasury;
  /** The most one run may cost, reserved before it starts (a decimal in the treasury currency). */
  readonly maxCostPerRun: string;
  /** How often the channel is polled while idle, in milliseconds. Default 20. */
  readonly pollMs?: number;
  /** Hours the channel keeps the messages of a finished run (they are in the ledger). Default 24. */
  readonly retentionHours?: number;
  /** Called with every error the loop survives (a restarting database …). Default: ignored. */
  readonly onError?: (error: unknown) => void;
}

/** What the coordinator knows of one run, rebuilt from the ledger after a restart. */
export interface CoordinatedRun {
  /** The run's id. */
  readonly runId: string;
  /** The member. */
  readonly member: string;
  /** The reservation taken for it. */
  readonly reservationId: string;
  /** Steps appended to the ledger so far. */
  steps: number;
  /** Exact sum of the steps' costs, in units of 10^-12. */
  cost: bigint;
  /** The attempt whose messages are accepted; older attempts are fenced off. */
  attempt: number;
  /** How it ended, once finished. */
  finished?: string;
}

/** The one process per group that owns its directory; executors anywhere send it their runs. */
export interface Coordinator {
  /** The run queue, for enqueuing wakes and reading its state. */
  readonly queue: PostgresRunQueue;
  /** Runs known to the coordinator, by id. */
  readonly runs: ReadonlyMap<string, CoordinatedRun>;
  /** Counts of what it did since it started. */
  readonly stats: {
    started: number;
    resumed: number;
    steps: number;
    finished: number;
    refused: number;
    fenced: number;
    duplicates: number;
  };
  /** Handles every message waiting now; resolves with how many it handled. */
  drain(): Promise<number>;
  /** Stops the loop and closes the queue and channel (the ledger stays open: it is the caller's). */
  close(): Promise<void>;
}

/**
 * Starts a group's coordinator: it reads the executors' messages from Postgres in order and is
 * the only writer of the group's ledger and treasury. For a run's `start` it takes a treasury
 * reservation of `maxCostPerRun` and records `run.started`; it appends `step`s in order (a step
 * it already has is skipped, a step from a fenced-off attempt is refused); at `finish` it settles
 * the reservation at the exact sum of the recorded steps' costs and records `run.finished`.
 * Every message is answered only after its ledger records are written, so a coordinator killed
 * at any point and started again handles the unanswered ones idempotently from the ledger.
 */
export async function createCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const settings = resolveQueueSettings(options.queue);
  const { ledger, treasury, ledgerDir } = options;
  const runs = await rebuildRuns(ledger, ledgerDir);
  const queue = await createPostgresRunQueue(options.queue);
  const channel = await openRunChannel(settings.connectionString, settings.group);
  for (const [runId, attempt] of await channel.fences()) {
    const run = runs.get(runId);
    if (run && attempt > run.attempt) run.attempt = attempt;
  }
  const stats = {
    started: 0,
    resumed: 0,
    steps: 0,
    finished: 0,
    refused: 0,
    fenced: 0,
    duplicates: 0,
  };

  async function handle(message: RunMessage): Promise<Record<string, unknown>> {
    const run = runs.get(message.runId);
    if (message.kind === 'start') {
      if (run?.finished !== undefined) return { decision: 'finished', status: run.finished };
      if (run !== undefined) {
        if (message.attempt < run.attempt) {
          stats.fenced += 1;
          return {
            decision: 'fenced',
            why: `attempt ${message.attempt} was superseded by ${run.attempt}`,
          };
        }
        if (message.attempt > run.attempt) stats.resumed += 1;
        run.attempt = message.attempt;
        return { decision: 'run', resumeFrom: run.steps, reservationId: run.reservationId };
      }
      const member = String(message.body.member);
      const held = await treasury.reserve({
        amount: options.maxCostPerRun,
        purpose: `run ${message.runId} of ${member}`,
      });
      if (!held.ok) {
        const why = held.decision.reason;
        await ledger.append({
          type: 'run.refused',
          body: { runId: message.runId, member, why },
        });
        stats.refused += 1;
        return { decision: 'refused', why };
      }
      await ledger.startRun({
        runId: message.runId,
        manifest: {
          member,
          reasons: message.body.reasons ?? [],
          resumed: false,
          reservationId: held.reservation.id,
          wakeId: message.wakeId,
        },
      });
      runs.set(message.runId, {
        runId: message.runId,
        member,
        reservationId: held.reservation.id,
        steps: 0,
        cost: 0n,
        attempt: message.attempt,
      });
      stats.started += 1;
      return { decision: 'run', resumeFrom: 0, reservationId: held.reservation.id };
    }
    if (run === undefined) return { accepted: false, why: 'the run was never started' };
    if (message.kind === 'step') {
      const seq = message.seq ?? -1;
      if (seq < run.steps) {
        stats.duplicates += 1;
        return { accepted: true, duplicate: true };
      }
      if (run.finished !== undefined || message.attempt !== run.attempt) {
        stats.fenced += 1;
        return { accepted: false, why: `attempt ${message.attempt} is fenced off` };
      }
      if (seq > run.steps) {
        return { accepted: false, why: `step ${seq} arrived before step ${run.steps}` };
      }
      const parsed = parseCost(message.body.cost ?? '0');
      const cost = parsed.ok ? parsed.value : 0n;
      await ledger.appendStep(run.runId, { ...message.body, step: seq });
      run.steps += 1;
      run.cost += cost;
      stats.steps += 1;
      return { accepted: true };
    }
    // finish: a superseded attempt is refused even when the run has finished meanwhile, and
    // the current attempt's finish is answered again after a restart.
    if (message.attempt !== run.attempt) {
      stats.fenced += 1;
      return { accepted: false, why: `attempt ${message.attempt} is fenced off` };
    }
    if (run.finished !== undefined) return { accepted: true, status: run.finished };
    const status = String(message.body.status ?? 'failed');
    const cost = formatCost(run.cost);
    try {
      await treasury.commit(run.reservationId, { actual: cost, run: run.runId });
    } catch (error) {
      // Committed before a crash, just not recorded as finished yet: never charge twice.
      if (!(error instanceof Error && error.name === 'ReservationStateError')) throw error;
    }
    await ledger.finishRun(run.runId, {
      status,
      cost,
      steps: run.steps,
      ...(typeof message.body.error === 'string' ? { error: message.body.error } : {}),
    });
    run.finished = status;
    stats.finished += 1;
    return { accepted: true, status, cost };
  }

  let busy: Promise<number> | undefined;
  async function drainOnce(): Promise<number> {
    let handled = 0;
    for (;;) {
      const batch = await channel.pending(200);
      if (batch.length === 0) return handled;
      for (const message of batch) {
        const reply = await handle(message);
        await channel.answer(message.id, reply);
        handled += 1;
      }
    }
  }
  function drain(): Promise<number> {
    busy ??= drainOnce().finally(() => {
      busy = undefined;
    });
    return busy;
  }

  let stopped = false;
  let prunedAt = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        if (Date.now() - prunedAt > 600_000) {
          prunedAt = Date.now();
          await channel.prune(options.retentionHours ?? 24);
        }
        const handled = await drain();
        if (handled === 0) await sleep(options.pollMs ?? 20);
      } catch (error) {
        options.onError?.(error);
        if (!isTransient(error)) await sleep(1000);
        else await sleep(250);
      }
    }
  })();

  return {
    queue,
    runs,
    stats,
    drain,
    async close() {
      stopped = true;
      await loop;
      await Promise.all([queue.close(), channel.close()]);
    },
  };
}

/** The runs of the group ledger, with their steps, costs and reservations. */
async function rebuildRuns(
  ledger: Ledger,
  ledgerDir: string,
): Promise<Map<string, CoordinatedRun>> {
  const runs = new Map<string, CoordinatedRun>();
  const open = new Set<string>();
  const finished = new Map<string, string>();
  for await (const entry of ledger.entries()) {
    const runId = (entry.body as { run_id?: unknown }).run_id;
    if (typeof runId !== 'string') continue;
    if (entry.type === 'run.started') open.add(runId);
    else if (entry.type === 'run.finished') finished.set(runId, 'finished');
  }
  for (const runId of open) {
    const manifest = JSON.parse(
      await readFile(join(ledgerDir, 'runs', runId, 'manifest.json'), 'utf8'),
    ) as { member?: string; reservationId?: string };
    const run: CoordinatedRun = {
      runId,
      member: String(manifest.member),
      reservationId: String(manifest.reservationId),
      steps: 0,
      cost: 0n,
      attempt: 0,
    };
    if (finished.has(runId)) {
      run.finished = 'finished';
    } else {
      const text = await readFile(join(ledgerDir, 'runs', runId, 'steps.jsonl'), 'utf8').catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return '';
          throw error;
        },
      );
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const step = JSON.parse(line) as { cost?: unknown };
        const parsed = parseCost(step.cost ?? '0');
        run.steps += 1;
        run.cost += parsed.ok ? parsed.value : 0n;
      }
    }
    runs.set(runId, run);
  }
  return runs;
}
