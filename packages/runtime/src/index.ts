export {
  CURATOR_CONFIG_FILE,
  type CuratorConfig,
  curatorConfigSchema,
  loadCuratorConfig,
} from './curator/curator-config';
export {
  CURATOR_RECORD_TYPES,
  type CuratorMutation,
  curatorMutationSchema,
  type FileHash,
  fileHashSchema,
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
  type ChangeGroupLifecycleOptions,
  changeGroupLifecycle,
  type GroupLifecycleAction,
  type RecordMembershipOptions,
  recordMembership,
} from './lifecycle/group-lifecycle';
export { type GroupLifecycleState, groupLifecycleState } from './lifecycle/group-lifecycle-state';
export { type GroupRunState, LIFECYCLE_RECORD_TYPES } from './lifecycle/lifecycle-records';
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
export type {
  ClaimedWake,
  EnqueueResult,
  MemberQueueState,
  RunQueue,
  WakeCompletion,
} from './queue/run-queue';
export {
  REVIEW_RECORD_TYPES,
  type ReviewRunOptions,
  type RunReview,
  reviewRun,
} from './review/review-run';
export { type RunTouches, readRunTouches } from './review/run-touches';
export {
  STRATEGIC_REVIEW_RECORD,
  type StrategicReview,
  type StrategicReviewOptions,
  strategicReview,
} from './review/strategic-review';
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
