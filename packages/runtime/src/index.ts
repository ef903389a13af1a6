export type {
  ClaimedWake,
  EnqueueResult,
  MemberQueueState,
  RunQueue,
  WakeCompletion,
} from './queue/run-queue';
export type { RunExecutor, RunResult, RunTicket } from './run/run-executor';
export {
  leaseRecordSchema,
  memberPauseSchema,
  RUN_RECORD_TYPES,
  type RunFinishedStatus,
  type RunRecordType,
  type RunStepDecision,
  type RunStepKind,
  runFinishedSchema,
  runParkedSchema,
  runStartedSchema,
  runStepSchema,
  wakeRequestedSchema,
} from './run-records';
export {
  WAKE_REASON_KINDS,
  type WakeReason,
  type WakeReasonKind,
  wakeReasonSchema,
} from './wake-reason';
