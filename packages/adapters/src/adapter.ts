import type { Message, Money } from '@karnel/coordination';

/** The adapter types of spec 0.2 (Annex B). */
export const ADAPTER_TYPES = ['http', 'subprocess', 'hermes', 'human'] as const;

/** One of {@link ADAPTER_TYPES}. */
export type AdapterType = (typeof ADAPTER_TYPES)[number];

/** How one check of {@link ForeignAgentAdapter.check} came out. */
export type CheckLevel = 'pass' | 'warn' | 'fail';

/** One check of {@link ForeignAgentAdapter.check}: is the member reachable and able. */
export interface AdapterCheck {
  /** A stable code (`http/reachable`, `hermes/capabilities` …). */
  readonly code: string;
  /** How it came out. */
  readonly level: CheckLevel;
  /** What was found, one sentence. */
  readonly message: string;
  /** What to do about it, when it did not pass. */
  readonly hint?: string;
}

/** The answer of {@link ForeignAgentAdapter.check}. */
export interface AdapterCheckReport {
  /** The worst level of all checks: `fail` if any failed, else `warn` if any warned. */
  readonly status: CheckLevel;
  /** Every check made, in order. */
  readonly checks: readonly AdapterCheck[];
}

/**
 * How an invocation ended. `completed`, `partial`, `failed` and `declined` are the statuses of
 * an Annex C `result`; `cancelled` means the caller's signal or {@link ForeignAgentAdapter.cancel}
 * stopped it.
 */
export type OutcomeStatus = 'completed' | 'partial' | 'failed' | 'declined' | 'cancelled';

/** What {@link ForeignAgentAdapter.invoke} resolves to. */
export interface AdapterOutcome {
  /** The Karnel run id the invocation was made under (its idempotency key). */
  readonly runId: string;
  /** How it ended. */
  readonly status: OutcomeStatus;
  /** What was done (or why not), in prose. Untrusted text from the member. */
  readonly summary: string;
  /** Structured outputs the member returned. */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Paths or URIs of produced artifacts. */
  readonly artifacts?: readonly string[];
  /** What the invocation cost, as the member reported it; exact money. */
  readonly cost?: Money;
  /** The member's own id for the work (a Hermes run id …), when it has one. */
  readonly foreignRunId?: string;
  /**
   * `true` when the outcome was found in the ledger under the same run id and returned without
   * asking the member again.
   */
  readonly replayed?: boolean;
}

/** Options of {@link ForeignAgentAdapter.invoke}. */
export interface InvokeOptions {
  /** The Karnel run id (`run_…`): the idempotency key of the invocation. */
  readonly runId: string;
  /** Stops the invocation; the outcome is then `cancelled`. */
  readonly signal?: AbortSignal;
}

/** How a {@link CostEstimate} was arrived at. */
export type CostBasis = 'configured' | 'message-budget' | 'free' | 'unknown';

/** What {@link ForeignAgentAdapter.estimateCost} says, best effort, in exact money. */
export interface CostEstimate {
  /** The expected cost; absent when nothing is known. */
  readonly cost?: Money;
  /** Where the figure comes from. */
  readonly basis: CostBasis;
}

/**
 * A foreign member of a group behind one interface (Annex B): an HTTP service, a local program,
 * a Hermes agent or a person. Every invocation writes `adapter.invoked` and exactly one of
 * `adapter.outcome` / `adapter.error` to the group ledger, so a foreign member leaves the same
 * trail as a native one.
 */
export interface ForeignAgentAdapter {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** The adapter type (`http`, `subprocess`, `hermes`, `human`, or a third party's). */
  readonly type: string;
  /** The member's role in the group. */
  readonly role: string;
  /** The task classes the member accepts; empty means any. */
  readonly taskClasses: readonly string[];
  /** Whether the member is reachable and able: a structured list of checks with hints. */
  check(): Promise<AdapterCheckReport>;
  /**
   * Hands `message` to the member and resolves with its outcome. Never throws for what the
   * member does (a failure, a refusal, a timeout are outcomes); an invocation repeated under the
   * same `runId` never does the work twice.
   */
  invoke(message: Message, options: InvokeOptions): Promise<AdapterOutcome>;
  /** Stops the invocation running under `runId`; resolves `false` when none was running. */
  cancel(runId: string): Promise<boolean>;
  /** What handing `message` to the member is expected to cost, best effort. */
  estimateCost(message: Message): Promise<CostEstimate>;
}

/** Aggregates checks into a report whose status is the worst level. */
export function checkReport(checks: readonly AdapterCheck[]): AdapterCheckReport {
  const status: CheckLevel = checks.some((check) => check.level === 'fail')
    ? 'fail'
    : checks.some((check) => check.level === 'warn')
      ? 'warn'
      : 'pass';
  return { status, checks };
}
