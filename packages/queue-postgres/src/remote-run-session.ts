import type { RunTicket } from '@karnel/runtime';
import type { RunRecord } from './run-records';

/** A run handed to an executor process by the coordinator. */
export interface RemoteRunTicket extends RunTicket {
  /** The claim's attempt: 0, then one more for each reclaim after a lapsed lease. */
  readonly attempt: number;
  /** The treasury reservation the coordinator took for the run before handing it out. */
  readonly reservationId: string;
}

/**
 * What an executor process's run executor records through: the coordinator appends the steps to
 * the group ledger, in order, and applies the run's other writes (messages, episodes,
 * approvals, spends). A resumed run starts at `recordedSteps` (steps 0 … recordedSteps-1 are
 * already in the ledger and are not executed again). Everything sent is queued in order: a
 * record sent after a step is applied after it.
 */
export interface RemoteRunSession {
  /** The run. */
  readonly ticket: RemoteRunTicket;
  /** Steps of this run already in the ledger; the next step to record has this number. */
  readonly recordedSteps: number;
  /**
   * Sends the next step record (a model, tool or adapter step as `run.step` describes it; a
   * model step carries its exact `cost`). Steps are numbered in the order they are sent;
   * resolves once the step is durable in Postgres.
   */
  appendStep(step: Record<string, unknown>): Promise<void>;
  /**
   * Sends one of the run's other writes and waits until the coordinator has applied it;
   * resolves with the coordinator's answer (the episode, the approval request …), rejects with
   * its reason when it refused the record.
   */
  apply(record: RunRecord): Promise<Record<string, unknown>>;
  /**
   * Notes the run's closing details (its summary) for the `finish` message; the coordinator
   * writes `run.finished` itself, with the cost of the recorded steps.
   */
  noteOutcome(outcome: Record<string, unknown>): void;
}
