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
  type CuratorModelPass,
  type CuratorModelPassOptions,
  filterProposals,
  runCuratorModelPass,
  type SkillIndexEntry,
} from './curator/curator-model-pass';
export {
  CURATOR_RECORD_TYPES,
  type CuratorMutation,
  type CuratorProposal,
  curatorMutationSchema,
  curatorProposalSchema,
  curatorProposalsSchema,
  type FileHash,
  type FilteredProposal,
  fileHashSchema,
  filteredProposalSchema,
} from './curator/curator-records';
export { formatCuratorReport } from './curator/format-curator-report';
export {
  type RollbackCuratorMutationOptions,
  rollbackCuratorMutation,
} from './curator/rollback-mutation';
export {
  type CuratorReport,
  type RunCuratorOptions,
  runCurator,
  type SkillGrade,
  type SkillGradeName,
  type StaleHypothesis,
} from './curator/run-curator';
export { countSkillUsage, SKILL_USE_RECORD, type SkillUsageCount } from './curator/skill-usage';
export { CURATOR_SNAPSHOT_FOLDER, CURATOR_SNAPSHOTS_KEPT } from './curator/snapshot';
export {
  type AcquireGroupLeaseOptions,
  acquireGroupLease,
  type GroupLease,
  LeaseHeldError,
} from './lease/group-lease';
export {
  isLeaseLive,
  judgeLease,
  LEASE_FILE,
  LeaseFileError,
  type LeaseHolder,
  type LeaseJudgement,
  type LeaseJudgeOptions,
  readGroupLease,
  readLeaseFile,
  type StoredLease,
} from './lease/lease-file';
export { checkGroupRunnable, type GroupRunnable } from './lifecycle/check-group-runnable';
export {
  type ChangeGroupLifecycleOptions,
  changeGroupLifecycle,
  type GroupLifecycleAction,
  type RecordMembershipOptions,
  recordMembership,
} from './lifecycle/group-lifecycle';
export { type GroupLifecycleState, groupLifecycleState } from './lifecycle/group-lifecycle-state';
export { type GroupRunState, LIFECYCLE_RECORD_TYPES } from './lifecycle/lifecycle-records';
export { createOwnerTracker, type OwnerTracker } from './lifecycle/owner-signed-entries';
export { type ResumeMemberOptions, resumeMember } from './lifecycle/resume-member';
export { type ExportedGroup, type ExportGroupOptions, exportGroup } from './migration/export-group';
export type { GroupFile } from './migration/group-files';
export {
  type ImportedGroup,
  type ImportGroupOptions,
  importGroup,
  MIGRATION_IMPORT_NOTE,
} from './migration/import-group';
export { MigrationError, type MigrationErrorCode } from './migration/migration-error';
export {
  type BundleManifest,
  bundleManifestSchema,
  type HandoffRecord,
  handoffRecordSchema,
  MIGRATION_RECORD_TYPES,
  type ResumedRecord,
  resumedRecordSchema,
} from './migration/migration-records';
export {
  type AppendMigrationResumedOptions,
  appendMigrationResumed,
  type MigrationResumed,
} from './migration/migration-resumed';
export {
  type RequirementProblem,
  type ResolveRequirementsOptions,
  resolveRequirements,
} from './migration/resolve-requirements';
export {
  type ReadRuntimeLeaseOptions,
  RUNTIME_LEASE_FILE,
  type RuntimeLeaseStatus,
  readRuntimeLease,
} from './migration/runtime-lease';
export {
  createOfflineModel,
  createOfflineModelSource,
  OFFLINE_LABEL,
} from './offline/offline-model';
export {
  OFFLINE_SCRIPT_FILE,
  OFFLINE_SCRIPT_VERSIONS,
  type OfflineScript,
  type OfflineScriptRead,
  type OfflineScriptVersion,
  offlineScenarioSchema,
  offlineScriptSchema,
  offlineStepSchema,
  readOfflineScript,
} from './offline/offline-script';
export { openOfflineDemo } from './offline/open-offline-demo';
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
export {
  PER_RUN_REVIEW_TIER,
  type ReviewAfterRunInput,
  reviewAfterRun,
  tacticalReviewDue,
} from './review/review-after-run';
export {
  createReviewHistory,
  type LastReview,
  REVIEW_HORIZONS,
  type ReviewHistory,
  type ReviewHorizon,
  type ReviewWindow,
} from './review/review-history';
export {
  REVIEW_RECORD_TYPES,
  type ReviewRunOptions,
  type RunReview,
  reviewRun,
} from './review/review-run';
export {
  dueReviewReasons,
  nextReviewAt,
  REVIEW_NAMES,
  type ReviewOptions,
  type ReviewSchedule,
  reviewedFilesDigest,
  reviewHorizonOf,
  reviewScheduleOf,
} from './review/review-schedule';
export {
  hasReviewWork,
  type RunScheduledReviewsInput,
  runScheduledReviews,
} from './review/run-scheduled-reviews';
export { type RunTouches, readRunTouches } from './review/run-touches';
export {
  reviewSkipReason,
  STRATEGIC_REVIEW_RECORD,
  type StrategicReview,
  type StrategicReviewOptions,
  strategicReview,
  strategicReviewRecord,
} from './review/strategic-review';
export { type AbandonRunInput, abandonRun } from './run/abandon-run';
export {
  ADAPTER_CAPABILITY,
  createRunExecutor,
  type RunExecutorOptions,
} from './run/create-run-executor';
export {
  openRuntimeParts,
  type RuntimeMember,
  type RuntimeParts,
  type RuntimePartsOverrides,
} from './run/open-runtime-parts';
export {
  type RecordedRun,
  RecordedRunError,
  type RecordedStep,
  readRecordedRun,
} from './run/recorded-run';
export {
  createReplayModel,
  type RecordedResponse,
  type ReplayModel,
  type ReplayModelOptions,
} from './run/replay-model';
export { assembleRunContext, type RunContext, type RunContextInput } from './run/run-context';
export type { RunExecutor, RunResult, RunTicket } from './run/run-executor';
export { createRunFileCaches, type RunFileCaches } from './run/run-file-caches';
export {
  createTierModelSource,
  type RunModelRequest,
  type RunModelSource,
  type TierModelSourceOptions,
} from './run/run-model-source';
export {
  type CallAuthorization,
  type GatedCall,
  INTERRUPTED_CALL_ERROR,
  type ParkPoint,
  type RunSession,
} from './run/run-session';
export { createRunTools, RUN_TOOL_NAMES, type RunToolsContext } from './run/run-tools';
export { RuntimeOpenError, type RuntimePart } from './run/runtime-open-error';
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
  runResumedSchema,
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
export {
  createLifecycleGate,
  GroupNotRunnableError,
  type LifecycleGate,
} from './scheduler/lifecycle-gate';
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
