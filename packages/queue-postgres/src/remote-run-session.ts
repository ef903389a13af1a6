import type { RunTicket } from '@karnel/runtime';

/** A run handed to an executor process by the coordinator. */
export interface RemoteRunTicket extends RunTicket {
  /** The claim's attempt: 0, then one more for each reclaim after a lapsed lease. */
  readonly attempt: number;
  /** The treasury reservation the coordinator took for the run before handing it out. */
  readonly reservationId: string;
}

/**
 * What an executor process's run executor records through: the coordinator appends the steps to
 * the group ledger, in order. A resumed run starts at `recordedSteps` (steps 0 … recordedSteps-1
 * are already in the ledger and are not executed again).
 */
export interface RemoteRunSession {
  /** The run. */
  readonly ticket: RemoteRunTicket;
  /** Steps of this run already in the ledger; the next step to record has this number. */
  readonly recordedSteps: number;
  /**
   * Sends the next step record (a model, tool or adapter step as `run.step` describes it; a
   * model step carries its exact `cost`). Steps are numbered in the order they are sent.
   */
  appendStep(step: Record<string, unknown>): Promise<void>;
}
