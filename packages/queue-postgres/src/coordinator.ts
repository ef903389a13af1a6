import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chargeCost, EMPTY_COST_CARRY, formatCost, formatMoney, parseCost } from '@karnel/core';
import type { Ledger } from '@karnel/ledger';
import type { Treasury } from '@karnel/treasury';
import { createPostgresRunQueue, type PostgresRunQueue } from './postgres-run-queue';
import { type PostgresQueueSettingsInput, resolveQueueSettings } from './queue-settings';
import { isTransient, openRunChannel, type RunMessage, sleep } from './run-channel';
import type { RunRecord, RunRecordApplier } from './run-records';

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
  /**
   * The most one run may cost, reserved before it starts (a decimal in the treasury currency),
   * or that amount for a member (its contract's `max_cost_per_run`).
   */
  readonly maxCostPerRun: string | ((member: string) => string);
  /**
   * Applies the runs' other writes (messages, episodes, approvals, spends), sent by executors
   * that run the real run loop: {@link createRunRecordApplier} over the group's runtime parts.
   * Default: none (a record is refused).
   */
  readonly apply?: RunRecordApplier;
  /** How often the channel is polled while idle, in milliseconds. Default 20. */
  readonly pollMs?: number;
  /** Hours the channel keeps the messages of a finished run (they are in the ledger). Default 24. */
  readonly retentionHours?: number;
  /** Called with every error the loop survives (a restarting database …). Default: ignored. */
  readonly onError?: (error: unknown) => void;
  /** Called when a run starts, resumes, parks, finishes or is refused. */
  readonly onEvent?: (event: CoordinatorEvent) => void;
}

/** What the coordinator did with a run, for a log line. */
export interface CoordinatorEvent {
  /** What happened. */
  readonly type: 'started' | 'resumed' | 'parked' | 'finished' | 'refused';
  /** The run. */
  readonly runId: string;
  /** The member. */
  readonly member: string;
  /** How it ended (`succeeded`, `failed`) when it finished. */
  readonly status?: string;
  /** What it was charged, for a parked or finished run. */
  readonly cost?: string;
  /** Why it was refused. */
  readonly why?: string;
}

/** What the coordinator knows of one run, rebuilt from the ledger after a restart. */
export interface CoordinatedRun {
  /** The run's id. */
  readonly runId: string;
  /** The member. */
  readonly member: string;
  /** The reservation the current execution is paid from (a parked run resumes with a new one). */
  reservationId: string;
  /** Steps appended to the ledger so far. */
  steps: number;
  /** Exact cost of each recorded step, in units of 10^-12. */
  readonly stepCosts: bigint[];
  /** The first step of the current execution: the steps from here on are settled against `reservationId`. */
  executionFrom: number;
  /** What earlier executions (parked since) were charged, in units of 10^-12. */
  chargedUnits: bigint;
  /** The attempt whose messages are accepted; older attempts are fenced off. */
  attempt: number;
  /** True while the run is parked (`run.parked`), waiting on an approval or a human. */
  parked: boolean;
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
    /** Runs started. */
    started: number;
    /** Parked or interrupted runs resumed. */
    resumed: number;
    /** Steps recorded. */
    steps: number;
    /** Runs finished. */
    finished: number;
    /** Runs refused because they could not be paid for. */
    refused: number;
    /** Messages refused from a superseded attempt, or for a run that is no longer running. */
    fenced: number;
    /** Step messages ignored because that step was already recorded. */
    duplicates: number;
    /** Records (messages, episodes, approvals, spends) applied. */
    records: number;
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
  const { unit } = await treasury.config();
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
    records: 0,
  };
  const maxCostOf = (member: string) =>
    typeof options.maxCostPerRun === 'string'
      ? options.maxCostPerRun
      : options.maxCostPerRun(member);
  // Messages are applied, then answered: only the first one handled after a start may have
  // been applied already (by a coordinator killed before it answered).
  let firstHandled = true;

  async function handle(
    message: RunMessage,
    maybeApplied: boolean,
  ): Promise<Record<string, unknown>> {
    const run = runs.get(message.runId);
    if (message.kind === 'start') {
      if (run?.finished !== undefined) return { decision: 'finished', status: run.finished };
      const reasons = Array.isArray(message.body.reasons) ? message.body.reasons : [];
      if (run !== undefined) {
        if (message.attempt < run.attempt) {
          stats.fenced += 1;
          return {
            decision: 'fenced',
            why: `attempt ${message.attempt} was superseded by ${run.attempt}`,
          };
        }
        if (run.parked) {
          // A parked run resumes (an approval was answered …): a new execution, paid from a
          // new reservation, after its recorded steps.
          const held = await treasury.reserve({
            amount: maxCostOf(run.member),
            purpose: `distributed run ${run.runId} of ${run.member} (resumed)`,
          });
          if (!held.ok) return refuse(run.runId, run.member, held.decision.reason);
          run.reservationId = held.reservation.id;
          run.executionFrom = run.steps;
          run.parked = false;
          await resumed(run, reasons);
          stats.resumed += 1;
          options.onEvent?.({ type: 'resumed', runId: run.runId, member: run.member });
        } else if (message.attempt > run.attempt) {
          // Reclaimed after a lapsed lease: the same execution goes on, on the same reservation.
          await resumed(run, reasons);
          stats.resumed += 1;
        }
        run.attempt = message.attempt;
        return { decision: 'run', resumeFrom: run.steps, reservationId: run.reservationId };
      }
      const member = String(message.body.member);
      const held = await treasury.reserve({
        amount: maxCostOf(member),
        purpose: `distributed run ${message.runId} of ${member}`,
      });
      if (!held.ok) return refuse(message.runId, member, held.decision.reason);
      await ledger.startRun({
        runId: message.runId,
        manifest: {
          runId: message.runId,
          member,
          reasons,
          resumed: false,
          reservationId: held.reservation.id,
        },
      });
      runs.set(message.runId, {
        runId: message.runId,
        member,
        reservationId: held.reservation.id,
        steps: 0,
        stepCosts: [],
        executionFrom: 0,
        chargedUnits: 0n,
        attempt: message.attempt,
        parked: false,
      });
      stats.started += 1;
      options.onEvent?.({ type: 'started', runId: message.runId, member });
      return { decision: 'run', resumeFrom: 0, reservationId: held.reservation.id };
    }
    if (run === undefined) return { accepted: false, why: 'the run was never started' };
    if (message.kind === 'step') {
      const seq = message.seq ?? -1;
      if (seq < run.steps) {
        stats.duplicates += 1;
        return { accepted: true, duplicate: true };
      }
      if (run.finished !== undefined || run.parked || message.attempt !== run.attempt) {
        stats.fenced += 1;
        return { accepted: false, why: `attempt ${message.attempt} is fenced off` };
      }
      if (seq > run.steps) {
        return { accepted: false, why: `step ${seq} arrived before step ${run.steps}` };
      }
      const parsed = parseCost(message.body.cost ?? '0');
      await ledger.appendStep(run.runId, { ...message.body, runId: run.runId, step: seq });
      run.steps += 1;
      run.stepCosts.push(parsed.ok ? parsed.value : 0n);
      stats.steps += 1;
      return { accepted: true };
    }
    if (message.kind === 'record') {
      if (run.finished !== undefined || run.parked || message.attempt !== run.attempt) {
        stats.fenced += 1;
        return { accepted: false, why: `attempt ${message.attempt} is fenced off` };
      }
      if (options.apply === undefined)
        return { accepted: true, error: 'this coordinator applies no run records' };
      try {
        const result = await options.apply(message.body as unknown as RunRecord, {
          runId: run.runId,
          member: run.member,
          maybeApplied,
        });
        stats.records += 1;
        return { accepted: true, result };
      } catch (error) {
        // Refused by the part that applies it (a route the protocol forbids, a spend over a
        // limit …): the executor's call fails with the reason, as it would in one process.
        return { accepted: true, error: error instanceof Error ? error.message : String(error) };
      }
    }
    // finish: a superseded attempt is refused even when the run has finished meanwhile, and
    // the current attempt's finish is answered again after a restart.
    if (message.attempt !== run.attempt) {
      stats.fenced += 1;
      return { accepted: false, why: `attempt ${message.attempt} is fenced off` };
    }
    if (run.finished !== undefined) return { accepted: true, status: run.finished };
    if (run.parked) return { accepted: true, status: 'parked' };
    const status = String(message.body.status ?? 'failed');
    // This execution is charged by the one rounding rule: its exact cost rounded up to the
    // currency's minor unit, as the run loop charges it in one process.
    const execution = sum(run.stepCosts.slice(run.executionFrom));
    const minor = chargeCost(EMPTY_COST_CARRY, execution, unit).minor;
    const charged = formatMoney(minor, unit);
    try {
      if (minor > 0n)
        await treasury.commit(run.reservationId, {
          actual: minor,
          run: run.runId,
          description: `inference of run ${run.runId} (${status})`,
        });
      else await treasury.release(run.reservationId, `run ${run.runId} spent nothing`);
    } catch (error) {
      // Settled before a crash, just not recorded yet: never charge twice.
      if (!(error instanceof Error && error.name === 'ReservationStateError')) throw error;
    }
    if (status === 'parked') {
      await ledger.append({
        type: 'run.parked',
        body: {
          runId: run.runId,
          step: run.steps,
          waitingOn: String(message.body.waitingOn ?? 'unknown'),
          why: String(message.body.error ?? 'the run waits on an approval or a reply'),
          cost: charged,
        },
      });
      run.parked = true;
      run.chargedUnits += units(charged);
      options.onEvent?.({ type: 'parked', runId: run.runId, member: run.member, cost: charged });
      return { accepted: true, status, cost: charged };
    }
    const total = formatCost(run.chargedUnits + units(charged));
    await ledger.finishRun(run.runId, {
      runId: run.runId,
      member: run.member,
      status,
      cost: total,
      steps: run.steps,
      ...(typeof message.body.error === 'string' ? { error: message.body.error } : {}),
      ...(typeof message.body.summary === 'string' ? { summary: message.body.summary } : {}),
    });
    run.finished = status;
    run.stepCosts.length = 0;
    stats.finished += 1;
    options.onEvent?.({
      type: 'finished',
      runId: run.runId,
      member: run.member,
      status,
      cost: total,
    });
    return { accepted: true, status, cost: total };
  }

  async function resumed(run: CoordinatedRun, reasons: unknown[]): Promise<void> {
    await ledger.append({
      type: 'run.resumed',
      body: {
        runId: run.runId,
        member: run.member,
        reasons,
        recordedSteps: run.steps,
        reservationId: run.reservationId,
      },
    });
  }

  async function refuse(
    runId: string,
    member: string,
    why: string,
  ): Promise<Record<string, unknown>> {
    await ledger.append({ type: 'run.refused', body: { runId, member, why } });
    stats.refused += 1;
    options.onEvent?.({ type: 'refused', runId, member, why });
    return { decision: 'refused', why };
  }

  let busy: Promise<number> | undefined;
  async function drainOnce(): Promise<number> {
    let handled = 0;
    for (;;) {
      const batch = await channel.pending(200);
      if (batch.length === 0) return handled;
      for (const message of batch) {
        const reply = await handle(message, firstHandled);
        firstHandled = false;
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
        // The message being handled may have been applied without being answered.
        firstHandled = true;
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

/** A cost text in units of 10^-12 (0 when it is not one). */
function units(text: unknown): bigint {
  const parsed = parseCost(typeof text === 'string' ? text : '0');
  return parsed.ok ? parsed.value : 0n;
}

/** Exact sum of costs in units of 10^-12. */
function sum(costs: readonly bigint[]): bigint {
  return costs.reduce((total, cost) => total + cost, 0n);
}

/** The runs of the group ledger, with their steps, costs, reservations and parked state. */
async function rebuildRuns(
  ledger: Ledger,
  ledgerDir: string,
): Promise<Map<string, CoordinatedRun>> {
  const runs = new Map<string, CoordinatedRun>();
  const started: string[] = [];
  const finished = new Set<string>();
  const later = new Map<string, { type: string; body: Record<string, unknown> }[]>();
  // Steps the chain commits, per run: steps.jsonl can hold one more line, written by a
  // coordinator killed before the entry that commits it (the next append writes over it).
  const committedSteps = new Map<string, number>();
  for await (const entry of ledger.entries()) {
    const body = entry.body as Record<string, unknown>;
    if (entry.type === 'run.step' && typeof body.run_id === 'string')
      committedSteps.set(body.run_id, (committedSteps.get(body.run_id) ?? 0) + 1);
    else if (entry.type === 'run.started' && typeof body.run_id === 'string')
      started.push(body.run_id);
    else if (entry.type === 'run.finished' && typeof body.run_id === 'string') {
      finished.add(body.run_id);
    } else if (
      (entry.type === 'run.parked' || entry.type === 'run.resumed') &&
      typeof body.runId === 'string'
    ) {
      later.set(body.runId, [...(later.get(body.runId) ?? []), { type: entry.type, body }]);
    }
  }
  for (const runId of started) {
    const manifest = JSON.parse(
      await readFile(join(ledgerDir, 'runs', runId, 'manifest.json'), 'utf8'),
    ) as { member?: string; reservationId?: string };
    const run: CoordinatedRun = {
      runId,
      member: String(manifest.member),
      reservationId: String(manifest.reservationId),
      steps: 0,
      stepCosts: [],
      executionFrom: 0,
      chargedUnits: 0n,
      attempt: 0,
      parked: false,
    };
    if (finished.has(runId)) {
      run.finished = 'finished';
      runs.set(runId, run);
      continue;
    }
    const text = await readFile(join(ledgerDir, 'runs', runId, 'steps.jsonl'), 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      },
    );
    const committed = committedSteps.get(runId) ?? 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '' || run.steps >= committed) continue;
      const parsed = parseCost((JSON.parse(line) as { cost?: unknown }).cost ?? '0');
      run.steps += 1;
      run.stepCosts.push(parsed.ok ? parsed.value : 0n);
    }
    for (const { type, body } of later.get(runId) ?? []) {
      if (type === 'run.parked') {
        run.parked = true;
        run.chargedUnits += units(body.cost);
      } else {
        const reservationId = String(body.reservationId);
        // A new reservation starts a new execution (a parked run resumed); the same one is a
        // reclaim of the execution that was going on.
        if (reservationId !== run.reservationId) {
          run.reservationId = reservationId;
          run.executionFrom = Number(body.recordedSteps);
        }
        run.parked = false;
      }
    }
    runs.set(runId, run);
  }
  return runs;
}
