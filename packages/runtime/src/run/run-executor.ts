import type { WakeReason } from '../wake-reason';

/** The run an executor is asked to carry out. */
export interface RunTicket {
  /** The run's id (`run_<ulid>`). A resumed run keeps its id. */
  readonly runId: string;
  /** The member's role in the group. */
  readonly member: string;
  /** Why the member woke, oldest first. */
  readonly reasons: readonly WakeReason[];
  /** True when the run was parked or interrupted and resumes from its recorded steps. */
  readonly resume: boolean;
  /**
   * The treasury reservation the runtime took for this run's worst case. The executor settles
   * the run's cost against it and releases the rest; without one it reserves the member's
   * `max_cost_per_run` itself.
   */
  readonly reservationId?: string;
}

/** How a run ended. */
export interface RunResult {
  /** `parked` waits on an approval or a human; `abandoned` was given up with its reservation released. */
  readonly status: 'succeeded' | 'failed' | 'parked' | 'abandoned';
  /** Exact cost settled in the treasury for this execution, a decimal in the treasury currency. */
  readonly cost: string;
  /** Number of steps recorded so far (model and tool steps). */
  readonly steps: number;
  /** When parked: the approval request or message it waits on. */
  readonly waitingOn?: string;
  /** When failed or abandoned: one sentence. */
  readonly error?: string;
}

/**
 * Carries out one run of one member: assembles a fresh context, runs the tool loop with every
 * tool call decided by policy, records every step in the ledger, settles the cost. The runtime
 * calls it for each claimed wake; the default is `createRunExecutor(parts)`.
 */
export interface RunExecutor {
  /** Runs (or resumes) `ticket`; resolves with how it ended. Aborting `signal` parks the run at its next tool call. */
  execute(ticket: RunTicket, options: { readonly signal: AbortSignal }): Promise<RunResult>;
}
