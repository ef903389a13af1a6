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
  /**
   * A run started: written by `@karnel/ledger`'s `startRun`, whose `runs/<id>/manifest.json`
   * holds a {@link runStartedSchema} body.
   */
  runStarted: 'run.started',
  /** A parked or interrupted run resumed from its recorded steps ({@link runResumedSchema}). */
  runResumed: 'run.resumed',
  /**
   * One step of a run: a model call or a tool call, with its result. Written by the ledger's
   * `appendStep`; the step itself ({@link runStepSchema}) is a line of `runs/<id>/steps.jsonl`
   * committed by the entry's file digest.
   */
  runStep: 'run.step',
  /** A run parked: it waits on an approval or a human reply. */
  runParked: 'run.parked',
  /**
   * A run ended: succeeded, failed or abandoned. Written by the ledger's `finishRun`;
   * `runs/<id>/outcome.yaml` holds a {@link runFinishedSchema} body.
   */
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

/** What a `run.step` record is: a model call, a tool call, or a foreign member's adapter invocation. */
export type RunStepKind = 'model' | 'tool' | 'adapter';
const stepKindSchema: z.ZodEnum<Record<RunStepKind, RunStepKind>> = z.enum([
  'model',
  'tool',
  'adapter',
]);
/** What `@karnel/policy` decided for a tool step. */
export type RunStepDecision = 'allow' | 'deny' | 'needs-approval';
const decisionSchema: z.ZodEnum<Record<RunStepDecision, RunStepDecision>> = z.enum([
  'allow',
  'deny',
  'needs-approval',
]);
/** How a finished run ended. */
export type RunFinishedStatus = 'succeeded' | 'failed' | 'abandoned';
const finishedStatusSchema: z.ZodEnum<Record<RunFinishedStatus, RunFinishedStatus>> = z.enum([
  'succeeded',
  'failed',
  'abandoned',
]);

const money = z.string().regex(/^-?\d+(\.\d+)?$/, 'an exact decimal amount');

/** Body of `runtime.lease_taken` and `runtime.lease_released`. */
export const leaseRecordSchema = z.strictObject({
  /** The host name of the runtime's machine. */
  host: z.string(),
  /** The runtime's process id. */
  pid: z.number().int(),
  /** When a stale lease was taken over: the host and pid that held it. */
  tookOverFrom: z
    .strictObject({
      /** The host that held the stale lease. */
      host: z.string(),
      /** The process id that held it. */
      pid: z.number().int(),
    })
    .optional(),
});

/** Body of `wake.requested`. */
export const wakeRequestedSchema = z.strictObject({
  /** The member's role in the group. */
  member: z.string(),
  /** Why the wake was asked for. */
  reason: wakeReasonSchema,
});

/** Body of `run.started`. */
export const runStartedSchema = z.strictObject({
  /** The run's id (`run_<ulid>`). */
  runId: z.string(),
  /** The member's role in the group. */
  member: z.string(),
  /** Why the member woke, oldest first. */
  reasons: z.array(wakeReasonSchema),
  /** True when a parked or interrupted run resumes. */
  resumed: z.boolean(),
  /** The member's tier (`fast-general` …), or the adapter kind for a foreign member. */
  tier: z.string().optional(),
  /** The treasury reservation taken before the run was dispatched. */
  reservationId: z.string().optional(),
});

/** Body of `run.resumed`: a parked or interrupted run picks up again. */
export const runResumedSchema = z.strictObject({
  /** The run's id (`run_<ulid>`), the same as when it started. */
  runId: z.string(),
  /** The member's role in the group. */
  member: z.string(),
  /** Why the member woke this time (an answered approval, a restart …), oldest first. */
  reasons: z.array(wakeReasonSchema),
  /** Steps already recorded, replayed without calling the model or repeating a side effect. */
  recordedSteps: z.number().int().nonnegative(),
  /** The treasury reservation this execution is paid from. */
  reservationId: z.string().optional(),
});

/**
 * One step of a run (a line of `runs/<id>/steps.jsonl`). Steps are numbered from 0 within a
 * run; `(runId, step)` is the idempotency key of the step's side effect.
 */
export const runStepSchema = z.strictObject({
  /** The run's id (`run_<ulid>`). */
  runId: z.string(),
  /** The step's number within its run, from 0. */
  step: z.number().int().nonnegative(),
  /** A model call, a tool call, or a foreign member's adapter invocation. */
  kind: stepKindSchema,
  /** Model steps: the 0-based model call of the run this step answers. */
  call: z.number().int().nonnegative().optional(),
  /**
   * Model steps: the model's answer as the AI SDK received it (content, finish reason, usage),
   * replayed on resume instead of calling the model again.
   */
  response: z.unknown().optional(),
  /** Model steps: provider and model that answered, tokens and exact cost. */
  model: z.string().optional(),
  /** Model steps: input tokens billed. */
  inputTokens: z.number().int().nonnegative().optional(),
  /** Model steps: output tokens billed. */
  outputTokens: z.number().int().nonnegative().optional(),
  /** Model and adapter steps: the exact cost, a decimal in the treasury currency. */
  cost: money.optional(),
  /** Tool steps: the tool, the SHA-256 of its canonical arguments, the policy decision. */
  tool: z.string().optional(),
  /** Tool steps: SHA-256 of the canonical JSON of the arguments. */
  argumentsHash: z.string().optional(),
  /** Tool steps: what `@karnel/policy` decided. */
  decision: decisionSchema.optional(),
  /** Tool steps: the model's id of the tool call, matched on replay. */
  toolCallId: z.string().optional(),
  /** Tool steps: the approval request the call waited on or was carried out under. */
  approvalId: z.string().optional(),
  /** Tool steps with a side effect: `<runId>:<step>`, carried by the effect so it never repeats. */
  idempotencyKey: z.string().optional(),
  /** What the step produced, as JSON (bounded); a failed step has `error` instead. */
  output: z.unknown().optional(),
  /** Why the step or run failed, one sentence. */
  error: z.string().optional(),
  /**
   * Tool steps: the call started (recorded on disk before its effect ran, e.g. a skill with
   * code). A later step with the same `toolCallId` holds its result; a started call without
   * one is never run again on resume.
   */
  started: z.boolean().optional(),
});

/** Body of `run.parked`. */
export const runParkedSchema = z.strictObject({
  /** The run's id (`run_<ulid>`). */
  runId: z.string(),
  /** The step's number within its run, from 0. */
  step: z.number().int().nonnegative(),
  /**
   * What the run waits on: an approval request id (`apr_…`), `runtime-stop` (the runtime was
   * stopping) or `safe-mode` (safe mode is on).
   */
  waitingOn: z.string(),
  /** Why, one sentence. */
  why: z.string(),
  /** What this execution of the run cost, settled in the treasury before parking. */
  cost: money.optional(),
});

/** Body of `run.finished`. */
export const runFinishedSchema = z.strictObject({
  /** The run's id (`run_<ulid>`). */
  runId: z.string(),
  /** The member's role in the group. */
  member: z.string(),
  /** How the run ended. */
  status: finishedStatusSchema,
  /** Exact total cost of the run, settled in the treasury. */
  cost: money,
  /** How many steps the run recorded. */
  steps: z.number().int().nonnegative(),
  /** Why the step or run failed, one sentence. */
  error: z.string().optional(),
  /** The model's last words, bounded. */
  summary: z.string().max(4000).optional(),
});

/** Body of `member.paused` and `member.resumed`. */
export const memberPauseSchema = z.strictObject({
  /** The member's role in the group. */
  member: z.string(),
  /** Why, one sentence. */
  why: z.string(),
  /** For the circuit breaker: how many runs failed in a row. */
  consecutiveFailures: z.number().int().nonnegative().optional(),
});

/** Body of `run.refused`: a wake the runtime did not dispatch because it cannot be paid for. */
export const runRefusedSchema = z.strictObject({
  /** The run id the run would have had. */
  runId: z.string(),
  /** The member's role in the group. */
  member: z.string(),
  /** Why the member would have woken, oldest first. */
  reasons: z.array(wakeReasonSchema),
  /** The amount the runtime tried to reserve (the member's `max_cost_per_run`). */
  amount: money.optional(),
  /** Why, one sentence (the budget or gate named). */
  why: z.string(),
});
