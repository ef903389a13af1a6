import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createEscalationMessage } from '@karnel/coordination';
import {
  type Clock,
  type Diagnostic,
  formatDiagnostics,
  KarnelError,
  type RecordValidator,
  systemClock,
} from '@karnel/core';
import { type Ledger, openLedger } from '@karnel/ledger';
import {
  createTreasury,
  formatBalanceAmount,
  loadTreasuryRecordValidator,
  ReservationStateError,
  type Treasury,
} from '@karnel/treasury';
import { runCurator } from './curator/run-curator';
import {
  acquireGroupLease,
  type GroupLease,
  isLeaseLive,
  type LeaseHolder,
  readGroupLease,
} from './lease/group-lease';
import type { GroupLifecycleState } from './lifecycle/group-lifecycle-state';
import { appendMigrationResumed } from './migration/migration-resumed';
import { createInProcessRunQueue, wakeReasonKey } from './queue/in-process-run-queue';
import type { ClaimedWake, MemberQueueState, RunQueue, WakeCompletion } from './queue/run-queue';
import { reviewAfterRun } from './review/review-after-run';
import { type ReviewOptions, reviewScheduleOf } from './review/review-schedule';
import { hasReviewWork, runScheduledReviews } from './review/run-scheduled-reviews';
import { createRunExecutor } from './run/create-run-executor';
import {
  openRuntimeParts,
  type RuntimeParts,
  type RuntimePartsOverrides,
} from './run/open-runtime-parts';
import type { RunExecutor, RunResult, RunTicket } from './run/run-executor';
import { RUN_RECORD_TYPES } from './run-records';
import { computeDueWakes, type Dispatched, type DueWake } from './scheduler/due-wakes';
import {
  createGroupWatcher,
  type GroupSnapshot,
  loadGroupSnapshot,
} from './scheduler/group-snapshot';
import {
  createLedgerHistory,
  type LedgerHistory,
  type RunSummary,
} from './scheduler/ledger-history';
import { createLifecycleGate, type LifecycleGate } from './scheduler/lifecycle-gate';
import type { WakeReason } from './wake-reason';

/** Something the runtime did, for a live log (`karnel run` prints one line per event). */
export type RuntimeEvent =
  | {
      /** A member was woken (a new wake was queued). */
      readonly type: 'wake';
      /** The member's role. */
      readonly member: string;
      /** Why it woke, oldest first. */
      readonly reasons: readonly WakeReason[];
    }
  | {
      /** A run was dispatched to the executor. */
      readonly type: 'run-started';
      /** The member's role. */
      readonly member: string;
      /** The run's id. */
      readonly runId: string;
      /** Whether a parked or interrupted run resumes. */
      readonly resume: boolean;
      /** What the run is when it is not the member's own work: `weekly strategic review`, `monthly meta-review`. */
      readonly label?: string;
    }
  | {
      /** A run ended (succeeded, failed, parked or abandoned). */
      readonly type: 'run-finished';
      /** The member's role. */
      readonly member: string;
      /** The run's id. */
      readonly runId: string;
      /** How the run ended. */
      readonly result: RunResult;
      /** What the run is when it is not the member's own work (as in `run-started`). */
      readonly label?: string;
    }
  | {
      /** A run was not dispatched: it cannot be paid for. */
      readonly type: 'run-refused';
      /** The member's role. */
      readonly member: string;
      /** The run's id. */
      readonly runId: string;
      /** Why, one sentence. */
      readonly why: string;
    }
  | {
      /**
       * A claimed wake was not run: since it was queued the owner paused the group or the
       * member, turned safe mode on, or the group was dissolved or handed off. Its reasons stay
       * in the ledger and wake the member again once nothing holds it.
       */
      readonly type: 'wake-held';
      /** The member's role. */
      readonly member: string;
      /** Why, one sentence. */
      readonly why: string;
    }
  | {
      /** The curator made its background pass over the skill library. */
      readonly type: 'curator-pass';
      /** The pass's id (`karnel curator rollback` takes its mutations' ids). */
      readonly pass: string;
      /** Skills archived by the pass. */
      readonly archived: number;
      /** Skills graded stale (unused for a while, not yet archived). */
      readonly stale: number;
    }
  | {
      /** The circuit breaker paused a member and escalated to the owner. */
      readonly type: 'member-paused';
      /** The member's role. */
      readonly member: string;
      /** Why, one sentence. */
      readonly why: string;
    }
  | {
      /** The runtime took the group's lease (over a stale one, when `tookOverFrom` is set). */
      readonly type: 'lease-taken';
      /** Who holds the lease now (this runtime). */
      readonly holder: LeaseHolder;
      /** The stale holder whose lease was taken over. */
      readonly tookOverFrom?: {
        /** Its host. */
        readonly host: string;
        /** Its process id. */
        readonly pid: number;
      };
    }
  | {
      /**
       * Something the owner should know that stops nothing: opening the ledger dropped a torn
       * last line a crash left (file, line and column in the message).
       */
      readonly type: 'warning';
      /** What happened, one line. */
      readonly message: string;
    }
  | {
      /** Something went wrong outside a run (the group stopped validating, the lease was lost). */
      readonly type: 'error';
      /** What went wrong, one line. */
      readonly message: string;
    };

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** The group directory. */
  readonly dir: string;
  /**
   * Carries out each run. Default: `createRunExecutor(await openRuntimeParts(dir, parts))`, whose
   * ledger and treasury the runtime then shares.
   */
  readonly executor?: RunExecutor;
  /**
   * Overrides for the parts the default executor is made of (`openRuntimeParts`): the models
   * (`languageModels`, e.g. the offline demo), memory, policy … Ignored when `executor` is given.
   */
  readonly parts?: RuntimePartsOverrides;
  /** The run queue. Default: {@link createInProcessRunQueue}. */
  readonly queue?: RunQueue;
  /** Where times come from. Default: the system clock. */
  readonly clock?: Clock;
  /** The group ledger, already open. Default: opened from the group's `components.ledger`. */
  readonly ledger?: Ledger;
  /** The treasury runs are reserved from. Default: the group's treasury, when it has one; `false` for none. */
  readonly treasury?: Treasury | false;
  /** How often the tick looks for due work, in milliseconds. Default 10 000. */
  readonly tickIntervalMs?: number;
  /** Most runs at once across the group. Default 4. */
  readonly maxConcurrentRuns?: number;
  /** Failed runs in a row that pause a member (circuit breaker). Default 3. */
  readonly failureThreshold?: number;
  /** How long the group lease lasts without renewal. Default 60 000 ms; renewed every third of it. */
  readonly leaseTtlMs?: number;
  /**
   * Most runs one member may start in an hour; past it, its wakes wait (nothing is dropped). A
   * guard against members waking each other in a loop. Default 20.
   */
  readonly maxRunsPerMemberPerHour?: number;
  /** Most rounds of {@link Runtime.runOnce} (work causing more work). Default 20. */
  readonly maxRounds?: number;
  /** Called for every {@link RuntimeEvent}. */
  readonly onEvent?: (event: RuntimeEvent) => void;
  /**
   * The reviews (with the default executor only): the weekly strategic review and the monthly
   * meta-review woken by their cadence, and the per-run review after a run that touched skills
   * or memory. `false`: none. Default: all, as {@link ReviewOptions} describes.
   */
  readonly reviews?: ReviewOptions | false;
  /**
   * The curator's background pass over the skill library (deterministic first; its model pass
   * only when `curator.yaml` enables it), run by a runtime with its default parts when no run is
   * active and `everyDays` have passed since the last `curator.pass` in the ledger. A pass that
   * fails is reported and tried again a day later. `false`: never. Default: every 7 days.
   */
  readonly curator?:
    | false
    | {
        /** Days between passes. Default 7. */
        readonly everyDays?: number;
      };
}

/** What one member looks like to {@link Runtime.status}. */
export interface MemberStatus {
  /** The member's role. */
  readonly member: string;
  /** Whether the circuit breaker or the owner paused it, and why. */
  readonly paused: boolean;
  /** Why it is paused. */
  readonly pausedWhy?: string;
  /** What is due now. */
  readonly due: readonly WakeReason[];
  /** Why nothing is dispatched even when due (the group's lifecycle, the member left). */
  readonly heldBy?: string;
  /** When the cadence is next due, and what it is. */
  readonly nextWakeAt?: string;
  /** One line: the next clock wake. */
  readonly nextWakeWhy?: string;
  /** Failed runs in a row. */
  readonly consecutiveFailures: number;
}

/** The group's state: {@link Runtime.status}. */
export interface RuntimeStatus {
  /** The group directory. */
  readonly dir: string;
  /** The runtime that holds the lease, if one does (live or not). */
  readonly lease?: LeaseHolder & {
    /** Whether its holder is alive (a dead pid or an expired lease is not). */
    readonly live: boolean;
  };
  /** Whether the group is in safe mode (no new runs). */
  readonly safeMode: boolean;
  /** The group's lifecycle state (`active`, `paused`, `dissolved`, `handed-off`): only `active` runs. */
  readonly lifecycle: GroupLifecycleState['state'];
  /** Every non-human member. */
  readonly members: readonly MemberStatus[];
  /** Runs that started and have not finished or parked. */
  readonly running: readonly RunSummary[];
  /** Runs waiting on an approval or a human. */
  readonly parked: readonly RunSummary[];
  /** What this runtime's queue holds (empty when not started). */
  readonly queue: readonly MemberQueueState[];
  /** Open approval requests. */
  readonly pendingApprovals: readonly string[];
  /** Budget by period, when the group has a treasury: `week` and `month`, spent and remaining. */
  readonly budget?: {
    /** The treasury currency (ISO 4217). */
    readonly currency: string;
    /** One row per budget period. */
    readonly periods: readonly {
      /** The period (`week of 2026-11-30`, `month of 2026-12`). */
      readonly period: string;
      /** Spent in the period, an exact decimal. */
      readonly spent: string;
      /** Reserved by runs in flight, an exact decimal. */
      readonly reserved: string;
      /** Left of the period's budget, when it has one. */
      readonly remaining?: string;
    }[];
  };
}

/** What {@link Runtime.runOnce} did. */
export interface RunOnceReport {
  /** Every run dispatched, with how it ended. */
  readonly runs: readonly {
    /** The member's role. */
    readonly member: string;
    /** The run's id. */
    readonly runId: string;
    /** How it ended. */
    readonly result: RunResult;
  }[];
  /** Runs refused before dispatch (cannot be paid for). */
  readonly refused: readonly {
    /** The member's role. */
    readonly member: string;
    /** Why it was refused. */
    readonly why: string;
  }[];
}

/** A Karnel group's runtime: the tick, the queue, the lease, budget checks, the circuit breaker. */
export interface Runtime {
  /** The group directory (absolute). */
  readonly dir: string;
  /** What would wake now and why; writes nothing, calls no model, needs no lease. */
  dryRun(): Promise<DueWake[]>;
  /** Takes the lease, does what is due now (and what that work makes due), then releases it. */
  runOnce(): Promise<RunOnceReport>;
  /** Takes the lease and runs the loops until {@link Runtime.stop}. */
  start(): Promise<void>;
  /**
   * Stops gracefully: no new runs, running runs are asked to park at their next tool call and
   * awaited, the lease is released, the ledger closed. During {@link Runtime.runOnce} it ends
   * that pass the same way (`runOnce` then resolves with what ran). Resolves at once when
   * nothing is running.
   */
  stop(): Promise<void>;
  /** Members, next wakes and why, running and parked runs, budget, pending approvals. */
  status(): Promise<RuntimeStatus>;
  /** Resolves when a started runtime has stopped. */
  readonly stopped: Promise<void>;
}

const invalidGroupMarker = Symbol.for('karnel.error.GroupInvalidError');

/** The group directory does not validate: the runtime refuses to start. */
export class GroupInvalidError extends KarnelError {
  private readonly [invalidGroupMarker] = true;
  /** Every problem found. */
  readonly diagnostics: readonly Diagnostic[];

  constructor({ dir, diagnostics }: { dir: string; diagnostics: readonly Diagnostic[] }) {
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
    super({
      name: 'GroupInvalidError',
      message: `${dir} does not validate (${errors} error${errors === 1 ? '' : 's'}); the runtime will not start`,
    });
    this.diagnostics = diagnostics;
  }

  /** Whether `error` is a {@link GroupInvalidError} from any copy of this package. */
  static override isInstance(error: unknown): error is GroupInvalidError {
    return KarnelError.hasMarker(error, 'karnel.error.GroupInvalidError');
  }
}

/** The purpose of a reservation the runtime takes before dispatching a run. */
const RUN_PURPOSE = /^run (run_[0-9A-Za-z]+) of /;

/** Message ids a human replied to: `inbox/<role>/<id>.reply.json` exists. */
async function repliedMessages(dir: string, waitingOn: readonly string[]): Promise<Set<string>> {
  const replied = new Set<string>();
  const wanted = waitingOn.filter((id) => id.startsWith('msg_'));
  if (wanted.length === 0) return replied;
  let roles: string[];
  try {
    roles = await readdir(join(dir, 'inbox'));
  } catch {
    return replied;
  }
  for (const id of wanted)
    for (const role of roles) {
      try {
        if ((await stat(join(dir, 'inbox', role, `${id}.reply.json`))).isFile()) replied.add(id);
      } catch {
        // no reply from this person
      }
    }
  return replied;
}

/**
 * Creates the runtime of the group in `dir`. Every part can be passed in (executor, queue,
 * clock, ledger, treasury); the rest is opened from the group directory when the runtime starts.
 * Nothing is read or written until a method is called.
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const dir = resolve(options.dir);
  const {
    clock = systemClock,
    tickIntervalMs = 10_000,
    maxConcurrentRuns = 4,
    failureThreshold = 3,
    leaseTtlMs = 60_000,
    maxRounds = 20,
    maxRunsPerMemberPerHour = 20,
    onEvent = () => undefined,
  } = options;
  // Reviews need the parts runs are made of: a custom executor runs none.
  const reviewOptions =
    options.reviews === false || options.executor ? undefined : (options.reviews ?? {});
  const watcher = createGroupWatcher(dir);
  let lastSnapshot: GroupSnapshot | undefined;
  let history: LedgerHistory | undefined;
  let ledger: Ledger | undefined;
  let ownsLedger = false;
  let treasury: Treasury | undefined;
  let lease: GroupLease | undefined;
  let executor: RunExecutor | undefined = options.executor;
  let parts: RuntimeParts | undefined;
  let queue: RunQueue | undefined;
  const startedAt = clock.now();
  const active = new Map<
    string,
    { member: string; controller: AbortController; done: Promise<void> }
  >();
  const dispatched = new Map<string, { refs: Set<string>; at: Date }>();
  const thrown = new Map<string, number>();
  const paused = new Set<string>();
  const runsDone: { member: string; runId: string; result: RunResult }[] = [];
  const refused: { member: string; why: string }[] = [];
  let timers: NodeJS.Timeout[] = [];
  let stopping = false;
  let started = false;
  let ticking: Promise<void> | undefined;
  let resolveStopped: () => void = () => undefined;
  let stopCall: Promise<void> | undefined;
  /** The {@link Runtime.runOnce} pass in progress, settled either way. */
  let oncePass: Promise<void> | undefined;
  const stopped = new Promise<void>((resolveStop) => {
    resolveStopped = resolveStop;
  });

  const validGroup = async (): Promise<GroupSnapshot> => {
    // A full read and validation, kept by the watcher: the first tick does not read it again.
    const snapshot = await watcher.reload();
    if (!snapshot.valid) throw new GroupInvalidError({ dir, diagnostics: snapshot.diagnostics });
    return snapshot;
  };

  let lifecycle: LifecycleGate | undefined;
  const gateFor = (snapshot: GroupSnapshot): LifecycleGate => {
    // Read again only when a lifecycle record was appended (the history reads only what is new).
    lifecycle ??= createLifecycleGate(dir, snapshot.ledgerDir, async () => {
      const folded = historyFor(snapshot);
      if (await folded.refresh()) forgetWhatTheLedgerShows(folded);
      return String(folded.lifecycleSeq);
    });
    return lifecycle;
  };

  const historyFor = (snapshot: GroupSnapshot) => {
    if (!history || history.dir !== snapshot.ledgerDir)
      history = createLedgerHistory(snapshot.ledgerDir);
    return history;
  };

  /**
   * Once the ledger shows what this runtime remembered on its own — a run's reasons consumed, a
   * pause recorded — the memory is dropped, so a long-running runtime does not grow and a
   * `member.resumed` recorded later is obeyed.
   */
  const forgetWhatTheLedgerShows = (folded: LedgerHistory) => {
    for (const [member, mine] of dispatched) {
      const pending = new Set(folded.members.get(member)?.pending.map((item) => item.ref));
      for (const ref of mine.refs) if (!pending.has(ref)) mine.refs.delete(ref);
    }
    for (const member of paused) if (folded.members.get(member)?.paused) paused.delete(member);
  };

  const due = async (snapshot: GroupSnapshot): Promise<DueWake[]> => {
    const folded = historyFor(snapshot);
    const changed = await folded.refresh();
    if (changed) forgetWhatTheLedgerShows(folded);
    const parkedOn = [...folded.runs.values()]
      .filter((run) => run.state === 'parked' && run.waitingOn)
      .map((run) => run.waitingOn!);
    // The group's lifecycle (owner-signed records): read again only when the ledger changed.
    const lifecycleNow = await gateFor(snapshot).current();
    const dispatchedView = new Map<string, Dispatched>(dispatched);
    const wakes = computeDueWakes({
      snapshot,
      history: folded,
      now: clock.now(),
      startedAt,
      active: new Set(active.keys()),
      dispatched: dispatchedView,
      replied: await repliedMessages(dir, parkedOn),
      ...(reviewOptions ? { reviews: reviewScheduleOf(snapshot, reviewOptions) } : {}),
    });
    const hourAgo = clock.now().getTime() - 3_600_000;
    const recentRuns = new Map<string, number>();
    for (const run of folded.runs.values())
      if (Date.parse(run.startedAt) >= hourAgo)
        recentRuns.set(run.member, (recentRuns.get(run.member) ?? 0) + 1);
    return wakes.map((wake) => {
      const heldBy = !lifecycleNow.runnable
        ? `group ${lifecycleNow.state}`
        : lifecycleNow.members[wake.member] === 'left'
          ? 'the member left the group'
          : lifecycleNow.awaitingRebind.includes(wake.member)
            ? 'the member has an owner of its own and has not re-bound since the hand-off (karnel group join --member-key)'
            : (recentRuns.get(wake.member) ?? 0) >= maxRunsPerMemberPerHour
              ? `${maxRunsPerMemberPerHour} runs in the last hour, the most allowed`
              : undefined;
      return heldBy ? { ...wake, heldBy } : wake;
    });
  };

  const open = async () => {
    const snapshot = await validGroup();
    // Dissolved and handed-off groups refuse to start (read from owner-signed ledger records).
    await gateFor(snapshot).assertStartable();
    if (!options.executor) {
      parts = await openRuntimeParts(dir, {
        clock,
        ...options.parts,
        ...(options.ledger ? { ledger: options.ledger } : {}),
        ...(options.treasury ? { treasury: options.treasury } : {}),
      });
      executor = createRunExecutor(parts);
    }
    if (options.ledger) ledger = options.ledger;
    else if (parts) ledger = parts.ledger;
    else {
      const validators: RecordValidator[] = [];
      if (snapshot.treasuryDir)
        validators.push(await loadTreasuryRecordValidator(snapshot.treasuryDir));
      ledger = await openLedger(snapshot.ledgerDir, { clock, validators });
      ownsLedger = true;
    }
    for (const diagnostic of ledger.recovered)
      onEvent({ type: 'warning', message: `ledger repaired: ${formatDiagnostics([diagnostic])}` });
    lease = await acquireGroupLease({ dir, ledger, clock, ttlMs: leaseTtlMs });
    // The first run after `karnel migrate import` links the hand-off (no-op otherwise).
    await appendMigrationResumed(dir);
    onEvent({
      type: 'lease-taken',
      holder: lease.holder,
      ...(lease.tookOverFrom ? { tookOverFrom: lease.tookOverFrom } : {}),
    });
    if (options.treasury !== false) {
      treasury =
        options.treasury ??
        parts?.treasury ??
        (snapshot.treasuryDir
          ? createTreasury({
              dir: snapshot.treasuryDir,
              ledger,
              clock,
              roles: snapshot.members.map((member) => member.role),
            })
          : undefined);
    }
    if (treasury) await releaseOrphanReservations(treasury, snapshot);
    queue =
      options.queue ??
      createInProcessRunQueue({
        clock,
        isPaused: (member) => paused.has(member) || (history?.members.get(member)?.paused ?? false),
      });
    stopping = false;
  };

  /**
   * With the lease held no run is executing, so a reservation this runtime took for a run
   * (`run <id> of <member>`) that is still open was left by a crash: before dispatch, or during
   * a run that will resume with a reservation of its own. Each is released, naming why.
   */
  const releaseOrphanReservations = async (from: Treasury, snapshot: GroupSnapshot) => {
    const folded = historyFor(snapshot);
    await folded.refresh();
    for (const reservation of (await from.balances()).openReservations) {
      const runId = RUN_PURPOSE.exec(reservation.purpose ?? '')?.[1];
      if (!runId) continue;
      const run = folded.runs.get(runId);
      const why = reservation.purpose?.endsWith('(per-run review)')
        ? `the per-run review of run ${runId} was interrupted; it is not tried again`
        : run?.review
          ? `review run ${runId} was interrupted; the review is abandoned and runs again when due`
          : run
            ? `run ${runId} was interrupted; it resumes with a new reservation`
            : `run ${runId} never started: the runtime stopped before dispatch`;
      await from.release(reservation.id, why).catch((error: unknown) => {
        if (!ReservationStateError.isInstance(error)) throw error;
      });
    }
  };

  const close = async () => {
    stopping = true;
    await queue?.close();
    await lease?.release();
    lease = undefined;
    if (ownsLedger) await ledger?.close();
    ledger = undefined;
    ownsLedger = false;
    // The parts the default executor was made of (they own their ledger).
    await parts?.close();
    parts = undefined;
    if (!options.executor) executor = undefined;
  };

  const DAY_MS = 86_400_000;
  const curatorEveryMs =
    options.curator === false ? undefined : (options.curator?.everyDays ?? 7) * DAY_MS;
  let curatorFailedAt: number | undefined;
  /**
   * The curator's background pass, when it is due and nothing runs (it moves skills): the
   * ledger says when the last pass was; a failed pass waits a day.
   */
  const curateIfDue = async (snapshot: GroupSnapshot) => {
    if (curatorEveryMs === undefined || !parts || active.size > 0 || stopping) return;
    const now = clock.now().getTime();
    if (curatorFailedAt !== undefined && now - curatorFailedAt < DAY_MS) return;
    const last = historyFor(snapshot).curatorPassAt;
    if (last !== undefined && now - Date.parse(last) < curatorEveryMs) return;
    if (!(await gateFor(snapshot).current()).runnable) return;
    try {
      const report = await runCurator(dir, { leaseHeld: true, clock, models: parts.models });
      curatorFailedAt = undefined;
      onEvent({
        type: 'curator-pass',
        pass: report.pass,
        archived: report.mutations.length,
        stale: report.skills.filter((skill) => skill.grade === 'stale').length,
      });
    } catch (error) {
      curatorFailedAt = now;
      onEvent({
        type: 'error',
        message: `the curator's pass failed (tried again in a day): ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  };

  /** Enqueues every due reason; resolves with how many new wakes were queued. */
  const tick = async (): Promise<number> => {
    const snapshot = await watcher.current();
    lastSnapshot = snapshot;
    if (!snapshot.valid) {
      onEvent({ type: 'error', message: `${dir} no longer validates; no new runs until it does` });
      return 0;
    }
    // A paused (or handed-off) group wakes no one until its owner resumes it.
    if (lifecycle && !(await lifecycle.current()).runnable) return 0;
    let woken = 0;
    for (const wake of await due(snapshot)) {
      if (wake.paused || wake.safeMode || wake.heldBy || wake.reasons.length === 0) continue;
      const fresh: WakeReason[] = [];
      for (const reason of wake.reasons) {
        const result = await queue!.enqueue(wake.member, reason);
        if (result.status === 'queued') woken += 1;
        if (result.status !== 'refused') fresh.push(reason);
      }
      if (fresh.length > 0 && woken > 0)
        onEvent({ type: 'wake', member: wake.member, reasons: fresh });
    }
    // Before the wakes just queued are dispatched: the pass runs while nothing does.
    if (curatorEveryMs !== undefined && parts) await curateIfDue(snapshot);
    return woken;
  };

  const pauseMember = async (member: string, failures: number, snapshot: GroupSnapshot) => {
    if (paused.has(member) || !ledger) return;
    paused.add(member);
    const why = `${failures} runs failed in a row (circuit breaker)`;
    await ledger.append({
      type: RUN_RECORD_TYPES.memberPaused,
      body: { member, why, consecutiveFailures: failures },
    });
    if (snapshot.ownerRole) {
      const message = createEscalationMessage(
        {
          to: snapshot.ownerRole,
          condition: 'circuit_breaker',
          reason: `${member} was paused after ${failures} failed runs in a row; resume it when the cause is fixed`,
          pathIndex: 0,
          evidence: [],
        },
        { from: member, clock },
      );
      await ledger.appendCoordination(message as unknown as Record<string, unknown>);
    }
    onEvent({ type: 'member-paused', member, why });
  };

  const finishClaim = async (claim: ClaimedWake, completion: WakeCompletion) => {
    await queue?.complete(claim.wakeId, completion);
  };

  /**
   * What holds a claimed wake now, read again at dispatch: the owner may have paused the group
   * or the member, or turned safe mode on, after the tick queued it (the ledger says so; reading
   * it costs only what was appended since).
   */
  const heldAtDispatch = async (
    member: string,
    snapshot: GroupSnapshot,
  ): Promise<string | undefined> => {
    const lifecycleNow = await gateFor(snapshot).current();
    if (!lifecycleNow.runnable) return `the group is ${lifecycleNow.state}`;
    if (lifecycleNow.members[member] === 'left') return 'the member left the group';
    const folded = historyFor(snapshot);
    if (await folded.refresh()) forgetWhatTheLedgerShows(folded);
    if (folded.safeMode) return 'safe mode is on';
    if (paused.has(member) || folded.members.get(member)?.paused) return 'the member is paused';
    return undefined;
  };

  /** Gives a claimed wake back unrun when something holds it; true when it did. */
  const holdBack = async (claim: ClaimedWake, snapshot: GroupSnapshot): Promise<boolean> => {
    const why = await heldAtDispatch(claim.member, snapshot);
    if (why === undefined) return false;
    onEvent({ type: 'wake-held', member: claim.member, why });
    await finishClaim(claim, 'abandoned');
    return true;
  };

  const dispatch = async (
    claimed: ClaimedWake,
    snapshot: GroupSnapshot,
    controller: AbortController,
  ) => {
    let claim = claimed;
    // Paused, safe mode, dissolved since the tick queued it: not run, its reasons kept.
    if (await holdBack(claim, snapshot)) return;
    const schedule = snapshot.members.find((member) => member.role === claim.member);
    const mine = dispatched.get(claim.member) ?? { refs: new Set<string>(), at: clock.now() };
    for (const reason of claim.reasons) mine.refs.add(reason.ref ?? wakeReasonKey(reason));
    mine.at = clock.now();
    dispatched.set(claim.member, mine);

    // Scheduled reviews run first, as runs of their own; the member's own run gets the rest.
    if (parts && reviewOptions && hasReviewWork(claim, historyFor(snapshot))) {
      const rest = await runScheduledReviews({
        parts,
        history: historyFor(snapshot),
        claim,
        options: reviewOptions,
        signal: controller.signal,
        onRun: (event) => {
          const label =
            event.horizon === 'weekly' ? 'weekly strategic review' : 'monthly meta-review';
          if (event.phase === 'started')
            onEvent({
              type: 'run-started',
              member: claim.member,
              runId: event.runId,
              resume: false,
              label,
            });
          else {
            runsDone.push({ member: claim.member, runId: event.runId, result: event.result });
            onEvent({
              type: 'run-finished',
              member: claim.member,
              runId: event.runId,
              result: event.result,
              label,
            });
          }
        },
      });
      if (!rest) {
        await finishClaim(claim, 'succeeded');
        return;
      }
      claim = rest;
      // The reviews took a while: look again before the member's own run.
      if (await holdBack(claim, snapshot)) return;
    }

    // A run cut short by a crash left its execution's reservation open: release it before the
    // resumed execution takes its own. (A parked run settled its cost before parking.)
    const previous = claim.resume ? history?.runs.get(claim.runId) : undefined;
    if (previous?.state === 'running' && previous.reservationId && treasury) {
      await treasury
        .release(previous.reservationId, `run ${claim.runId} was interrupted; it resumes`)
        .catch((error: unknown) => {
          // Already settled or released: nothing is held.
          if (!ReservationStateError.isInstance(error)) throw error;
        });
    }

    let reservationId: string | undefined;
    if (schedule?.maxCostPerRun !== undefined && treasury) {
      const held = await treasury.reserve({
        amount: schedule.maxCostPerRun,
        ...(schedule.modelClass ? { modelClass: schedule.modelClass } : {}),
        purpose: `run ${claim.runId} of ${claim.member}`, // see RUN_PURPOSE
      });
      if (!held.ok) {
        const why = held.decision.reason;
        await ledger!.append({
          type: RUN_RECORD_TYPES.runRefused,
          body: {
            runId: claim.runId,
            member: claim.member,
            reasons: claim.reasons,
            amount: schedule.maxCostPerRun,
            why,
          },
        });
        refused.push({ member: claim.member, why });
        onEvent({ type: 'run-refused', member: claim.member, runId: claim.runId, why });
        await finishClaim(claim, 'abandoned');
        return;
      }
      reservationId = held.reservation.id;
    }

    const ticket: RunTicket & { reservationId?: string } = {
      runId: claim.runId,
      member: claim.member,
      reasons: claim.reasons,
      resume: claim.resume,
      ...(reservationId ? { reservationId } : {}),
    };
    onEvent({
      type: 'run-started',
      member: claim.member,
      runId: claim.runId,
      resume: claim.resume,
    });
    const heartbeat = setInterval(() => {
      void queue?.heartbeat(claim.wakeId);
    }, 60_000);
    let result: RunResult;
    try {
      if (!executor) throw new Error('the runtime is not open');
      result = await executor.execute(ticket, { signal: controller.signal });
      thrown.delete(claim.member);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = { status: 'failed', cost: '0', steps: 0, error: message };
      thrown.set(claim.member, (thrown.get(claim.member) ?? 0) + 1);
      if (reservationId)
        await treasury?.release(reservationId, 'the run failed').catch(() => undefined);
    } finally {
      clearInterval(heartbeat);
    }
    runsDone.push({ member: claim.member, runId: claim.runId, result });
    onEvent({ type: 'run-finished', member: claim.member, runId: claim.runId, result });
    await finishClaim(claim, result.status);
    // The per-run review: never blocks or fails the run (it records its own failures).
    if (parts && reviewOptions) {
      const lastReviewAt = historyFor(snapshot).reviews.lastPerRunReview(claim.member);
      await reviewAfterRun({
        parts,
        runId: claim.runId,
        member: claim.member,
        result,
        options: reviewOptions.perRun,
        signal: controller.signal,
        tactical: {
          ...(snapshot.goals?.review_cadence?.tactical
            ? { cadence: snapshot.goals.review_cadence.tactical }
            : {}),
          ...(lastReviewAt ? { lastReviewAt } : {}),
        },
      });
    }

    // The circuit breaker: only a failure can trip it, so only then is the ledger read again.
    if (result.status === 'failed') {
      const folded = historyFor(snapshot);
      await folded.refresh();
      const failures =
        (folded.members.get(claim.member)?.consecutiveFailures ?? 0) +
        (thrown.get(claim.member) ?? 0);
      if (failures >= failureThreshold && !folded.members.get(claim.member)?.paused)
        await pauseMember(claim.member, failures, snapshot);
    }
  };

  let pumping: Promise<void> | undefined;
  let pumpAgain = false;

  /** Claims and dispatches wakes while there is room; one pump at a time, re-run when asked meanwhile. */
  const pump = (): Promise<void> => {
    if (pumping) {
      pumpAgain = true;
      return pumping;
    }
    pumping = (async () => {
      try {
        do {
          pumpAgain = false;
          await claimAndDispatch();
        } while (pumpAgain && !stopping);
      } catch (error) {
        onEvent({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      } finally {
        pumping = undefined;
      }
    })();
    return pumping;
  };

  const claimAndDispatch = async () => {
    if (!queue || stopping) return;
    const snapshot = lastSnapshot ?? (await watcher.current());
    while (active.size < maxConcurrentRuns && !stopping) {
      const claim = await queue.claim();
      if (!claim) break;
      const controller = new AbortController();
      const done = (async () => {
        try {
          await dispatch(claim, snapshot, controller);
        } catch (error) {
          onEvent({
            type: 'error',
            message: `dispatching ${claim.member}: ${error instanceof Error ? error.message : String(error)}`,
          });
          await finishClaim(claim, 'failed').catch(() => undefined);
        } finally {
          active.delete(claim.runId);
          if (!stopping) {
            void pump();
            requestTick();
          }
        }
      })();
      active.set(claim.runId, { member: claim.member, controller, done });
    }
  };

  let tickAgain = false;
  const tickAndPump = async () => {
    if (stopping) return;
    if (ticking) {
      tickAgain = true;
      return;
    }
    ticking = (async () => {
      do {
        tickAgain = false;
        try {
          await tick();
          await pump();
        } catch (error) {
          onEvent({
            type: 'error',
            message: error instanceof Error ? error.message : String(error),
          });
        }
      } while (tickAgain && !stopping);
    })();
    await ticking;
    ticking = undefined;
  };

  /**
   * A started runtime looks again soon after each run ends, so that the messages a run sent
   * wake their recipients without waiting for the next interval tick.
   */
  let tickSoon: NodeJS.Timeout | undefined;
  const requestTick = () => {
    if (!started || stopping || tickSoon) return;
    tickSoon = setTimeout(() => {
      tickSoon = undefined;
      void tickAndPump();
    }, 50);
  };

  /** Waits until no run is active and no pump is claiming. */
  const drain = async () => {
    while (active.size > 0 || pumping) {
      await Promise.all([...active.values()].map((run) => run.done));
      await pumping;
    }
  };

  const budgetOf = async (snapshot: GroupSnapshot): Promise<RuntimeStatus['budget']> => {
    if (options.treasury === false) return undefined;
    let readLedger: Ledger | undefined;
    try {
      let source = treasury ?? (options.treasury || undefined);
      if (!source && snapshot.treasuryDir) {
        readLedger = await openLedger(snapshot.ledgerDir, { clock });
        source = createTreasury({ dir: snapshot.treasuryDir, ledger: readLedger, clock });
      }
      if (!source) return undefined;
      const balances = await source.balances();
      const format = (amount: bigint) => formatBalanceAmount(balances, amount);
      return {
        currency: balances.currency,
        periods: [balances.week, balances.month].map((period) => ({
          period: period.period.label,
          spent: format(period.spent),
          reserved: format(period.reserved),
          ...(period.remaining !== undefined ? { remaining: format(period.remaining) } : {}),
        })),
      };
    } catch {
      // no ledger yet, or a treasury that does not load: `karnel validate` reports why
      return undefined;
    } finally {
      await readLedger?.close();
    }
  };

  return {
    dir,
    stopped,

    async dryRun() {
      return due(await validGroup());
    },

    runOnce() {
      const pass = (async () => {
        await open();
        runsDone.length = 0;
        refused.length = 0;
        try {
          for (let round = 0; round < maxRounds && !stopping; round++) {
            const woken = await tick();
            await pump();
            await drain();
            if (woken === 0) break;
          }
        } finally {
          await close();
        }
        return { runs: [...runsDone], refused: [...refused] };
      })();
      oncePass = pass.then(
        () => undefined,
        () => undefined,
      );
      return pass.finally(() => {
        oncePass = undefined;
      });
    },

    async start() {
      await open();
      started = true;
      await tickAndPump();
      timers = [
        setInterval(() => void tickAndPump(), tickIntervalMs),
        setInterval(
          () =>
            void lease
              ?.renew()
              .then((held) => {
                if (!held && !stopping) {
                  onEvent({
                    type: 'error',
                    message: 'the group lease was taken by another runtime; stopping',
                  });
                  void this.stop();
                }
              })
              .catch((error: unknown) =>
                onEvent({ type: 'error', message: `renewing the lease: ${String(error)}` }),
              ),
          Math.max(1000, Math.floor(leaseTtlMs / 3)),
        ),
      ];
    },

    stop() {
      // A stop in progress is joined; a runtime that is not running (never started, or a
      // `runOnce` that closed it) has nothing to stop.
      if (stopCall) return stopCall;
      // During runOnce: no new runs, running ones park at their next step, the pass closes.
      if (oncePass) {
        stopping = true;
        for (const run of active.values()) run.controller.abort();
        return oncePass;
      }
      if (stopping && !started) return Promise.resolve();
      stopCall = (async () => {
        stopping = true;
        started = false;
        if (tickSoon) clearTimeout(tickSoon);
        tickSoon = undefined;
        for (const timer of timers) clearInterval(timer);
        timers = [];
        for (const run of active.values()) run.controller.abort();
        await ticking;
        await drain();
        await close();
        resolveStopped();
      })().finally(() => {
        stopCall = undefined;
      });
      return stopCall;
    },

    async status() {
      const snapshot = await loadGroupSnapshot(dir);
      const wakes = snapshot.valid ? await due(snapshot) : [];
      const folded = historyFor(snapshot);
      await folded.refresh();
      const holder = await readGroupLease(dir);
      const runs = [...folded.runs.values()];
      const budget = await budgetOf(snapshot);
      return {
        dir,
        ...(holder ? { lease: { ...holder, live: isLeaseLive(holder, clock.now()) } } : {}),
        safeMode: folded.safeMode,
        lifecycle: (await gateFor(snapshot).current()).state,
        members: wakes.map((wake) => ({
          member: wake.member,
          paused: wake.paused,
          ...(wake.pausedWhy ? { pausedWhy: wake.pausedWhy } : {}),
          due: wake.reasons,
          ...(wake.heldBy ? { heldBy: wake.heldBy } : {}),
          ...(wake.nextWakeAt
            ? { nextWakeAt: wake.nextWakeAt.toISOString(), nextWakeWhy: wake.nextWakeWhy }
            : {}),
          consecutiveFailures: folded.members.get(wake.member)?.consecutiveFailures ?? 0,
        })),
        running: runs.filter((run) => run.state === 'running'),
        parked: runs.filter((run) => run.state === 'parked'),
        queue: queue ? await queue.snapshot() : [],
        pendingApprovals: [...folded.pendingApprovals],
        ...(budget ? { budget } : {}),
      };
    },
  };
}
