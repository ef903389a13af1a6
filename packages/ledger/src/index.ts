export type { LedgerDiagnosticCode } from './diagnostic-codes';
export {
  InvalidRecordError,
  LedgerAccessError,
  LedgerIntegrityError,
  LedgerNotFoundError,
  type LedgerNotFoundReason,
  LedgerStateError,
} from './errors';
export {
  type EntrySignature,
  type FileDigest,
  GENESIS_PREV,
  isRecordType,
  LEDGER_FORMAT_VERSION,
  type LedgerEntry,
  MAX_ENTRY_LINE_BYTES,
  verifyEntrySignature,
} from './format/entry';
export {
  appendRecordInput,
  coordinationLoggedInputSchema,
  decisionOutcomeInputSchema,
  decisionRecordedInputSchema,
  genericRecordInputSchema,
  outcomeRecordedInputSchema,
  type RecordInput,
  recordInputSchema,
  runFinishedInputSchema,
  runStartedInputSchema,
  runStepInputSchema,
} from './format/record-input';
export {
  parseSnapshotBody,
  SNAPSHOT_TYPE,
  type SnapshotBody,
  type SnapshotFile,
  snapshotBodySchema,
  snapshotFileSchema,
} from './format/snapshot';
export type {
  AppendOptions,
  AppendRecord,
  ArchiveResult,
  CheckpointOptions,
  ConsistencyProof,
  EntriesOptions,
  GroupCommitOptions,
  InclusionProof,
  Ledger,
  OpenLedgerOptions,
  RecordDecisionInput,
  RecordedDecision,
  RecordOutcomeInput,
  StartedRun,
  StartRunInput,
  SyncOptions,
} from './ledger';
export { readLedgerEntries } from './read/read-entries';
export {
  type Checkpoint,
  type CheckpointSignature,
  type CheckpointSignatureCheck,
  createCheckpoint,
  type ParsedCheckpoint,
  parseCheckpoint,
  verifyCheckpointSignatures,
} from './transparency/checkpoint';
export {
  consistencyPath,
  createFrontier,
  EMPTY_TREE_ROOT,
  inclusionPath,
  type LeafSource,
  type MerkleFrontier,
  merkleLeafHash,
  merkleNodeHash,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './transparency/merkle';
export {
  type FirstBadEntry,
  isVerifyAcceleratorAvailable,
  type VerifyOptions,
  type VerifyReport,
  verifyLedger,
} from './verify/verify-ledger';
export { openLedger } from './write/file-ledger';
