import { z } from 'zod';
import { wakeReasonSchema } from './wake-reason';

/**
 * The ledger record types the runtime writes to the group ledger. A run's whole story is in
 * these records: the runtime resumes a run, rebuilds its queue after a restart and the
 * dashboard draws its pages from them, never from a file the runtime could edit.
 */
export const RUN_RECORD_TYPES = {
  /** A runtime took the group's lease (`runtime.lease_taken`), or took over a stale one. */
  leaseTaken: 'runtime.lease_taken',
  /** A runtime released the group's lease on a clean stop. */
  leaseReleased: 'runtime.lease_released',
  /** A wake was asked for from outside the runtime (`karnel wake`, the dashboard). */
  wakeRequested: 'wake.requested',
  /** A run started (or resumed, with `resumed: true`). */
  runStarted: 'run.started',
  /** One step of a run: a model call or a tool call, with its result. */
  runStep: 'run.step',
  /** A run parked: it waits on an approval or a human reply. */
  runParked: 'run.parked',
  /** A run ended: succeeded, failed or abandoned. */
  runFinished: 'run.finished',
  /** A member was paused by the circuit breaker or the owner. */
  memberPaused: 'member.paused',
  /** A paused member was resumed by the owner. */
  memberResumed: 'member.resumed',
  /** A run was not dispatched because it cannot be paid for (`contract.max_cost_per_run`, a treasury gate). */
  runRefused: 'run.refused',
} as const;

/** One of the values of {@link RUN_RECORD_TYPES}. */
export type RunRecordType = (typeof RUN_RECORD_TYPES)[keyof typeof RUN_RECORD_TYPES];

const money = z.string().regex(/^-?\d+(\.\d+)?$/, 'an exact decimal amount');

/** Body of `runtime.lease_taken` and `runtime.lease_released`. */
export const leaseRecordSchema = z.strictObject({
  host: z.string(),
  pid: z.number().int(),
  /** When a stale lease was taken over: the host and pid that held it. */
  tookOverFrom: z.strictObject({ host: z.string(), pid: z.number().int() }).optional(),
});

/** Body of `wake.requested`. */
export const wakeRequestedSchema = z.strictObject({
  member: z.string(),
  reason: wakeReasonSchema,
});

/** Body of `run.started`. */
export const runStartedSchema = z.strictObject({
  runId: z.string(),
  member: z.string(),
  reasons: z.array(wakeReasonSchema),
  /** True when a parked or interrupted run resumes. */
  resumed: z.boolean(),
  /** The member's tier (`fast-general` …), or the adapter kind for a foreign member. */
  tier: z.string().optional(),
  /** The treasury reservation taken before the run was dispatched. */
  reservationId: z.string().optional(),
});

/** Body of `run.step`. Steps are numbered from 0 within a run; `(runId, step)` is the idempotency key. */
export const runStepSchema = z.strictObject({
  runId: z.string(),
  step: z.number().int().nonnegative(),
  kind: z.enum(['model', 'tool', 'adapter']),
  /** Model steps: provider and model that answered, tokens and exact cost. */
  model: z.string().optional(),
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  cost: money.optional(),
  /** Tool steps: the tool, the SHA-256 of its canonical arguments, the policy decision. */
  tool: z.string().optional(),
  argumentsHash: z.string().optional(),
  decision: z.enum(['allow', 'deny', 'needs-approval']).optional(),
  /** What the step produced, as JSON (bounded); a failed step has `error` instead. */
  output: z.unknown().optional(),
  error: z.string().optional(),
});

/** Body of `run.parked`. */
export const runParkedSchema = z.strictObject({
  runId: z.string(),
  step: z.number().int().nonnegative(),
  /** The approval request id or message id the run waits on. */
  waitingOn: z.string(),
  why: z.string(),
});

/** Body of `run.finished`. */
export const runFinishedSchema = z.strictObject({
  runId: z.string(),
  member: z.string(),
  status: z.enum(['succeeded', 'failed', 'abandoned']),
  /** Exact total cost of the run, settled in the treasury. */
  cost: money,
  steps: z.number().int().nonnegative(),
  error: z.string().optional(),
});

/** Body of `member.paused` and `member.resumed`. */
export const memberPauseSchema = z.strictObject({
  member: z.string(),
  why: z.string(),
  /** For the circuit breaker: how many runs failed in a row. */
  consecutiveFailures: z.number().int().nonnegative().optional(),
});

/** Body of `run.refused`: a wake the runtime did not dispatch because it cannot be paid for. */
export const runRefusedSchema = z.strictObject({
  /** The run id the run would have had. */
  runId: z.string(),
  member: z.string(),
  reasons: z.array(wakeReasonSchema),
  /** The amount the runtime tried to reserve (the member's `max_cost_per_run`). */
  amount: money.optional(),
  /** Why, one sentence (the budget or gate named). */
  why: z.string(),
});
