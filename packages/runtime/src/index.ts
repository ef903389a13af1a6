export {
  createRuntime,
  GroupInvalidError,
  type MemberStatus,
  type RunOnceReport,
  type Runtime,
  type RuntimeEvent,
  type RuntimeOptions,
  type RuntimeStatus,
} from './create-runtime';
export {
  type AcquireGroupLeaseOptions,
  acquireGroupLease,
  type GroupLease,
  isLeaseLive,
  LEASE_FILE,
  LeaseHeldError,
  type LeaseHolder,
  readGroupLease,
} from './lease/group-lease';
export {
  createInProcessRunQueue,
  type InProcessRunQueueOptions,
  wakeReasonKey,
} from './queue/in-process-run-queue';
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
  runRefusedSchema,
  runStartedSchema,
  runStepSchema,
  wakeRequestedSchema,
} from './run-records';
export {
  type ComputeDueWakesInput,
  computeDueWakes,
  type Dispatched,
  type DueWake,
} from './scheduler/due-wakes';
export {
  createGroupWatcher,
  type GroupSnapshot,
  type GroupWatcher,
  groupFingerprint,
  loadGroupSnapshot,
  type MemberSchedule,
} from './scheduler/group-snapshot';
export {
  type ApprovalAnswer,
  createLedgerHistory,
  type LedgerHistory,
  type MemberHistory,
  type PendingItem,
  type RunState,
  type RunSummary,
} from './scheduler/ledger-history';
export { type RunRecord, readRun } from './scheduler/read-run';
export { type RequestWakeOptions, requestWake } from './scheduler/request-wake';
export {
  type GenerateGroupOptions,
  generatedRole,
  generateGroup,
} from './testing/generate-group';
export {
  createScriptedExecutor,
  type ScriptedExecutor,
  type ScriptedExecutorOptions,
  type ScriptedOutcome,
} from './testing/scripted-executor';
export {
  WAKE_REASON_KINDS,
  type WakeReason,
  type WakeReasonKind,
  wakeReasonSchema,
} from './wake-reason';
