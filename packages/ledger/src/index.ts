export {
  type Checkpoint,
  type CheckpointSignature,
  type CheckpointSignatureCheck,
  createCheckpoint,
  type ParsedCheckpoint,
  parseCheckpoint,
  verifyCheckpointSignatures,
} from './checkpoint';
export {
  type EntrySignature,
  type FileDigest,
  GENESIS_PREV,
  isRecordType,
  LEDGER_FORMAT_VERSION,
  type LedgerEntry,
  verifyEntrySignature,
} from './entry';
export { LedgerIntegrityError, LedgerStateError } from './errors';
export {
  type AppendOptions,
  type AppendRecord,
  type ArchiveResult,
  type CheckpointOptions,
  type ConsistencyProof,
  type EntriesOptions,
  type GroupCommitOptions,
  type InclusionProof,
  type Ledger,
  type OpenLedgerOptions,
  openLedger,
  type RecordDecisionInput,
  type RecordedDecision,
  type RecordOutcomeInput,
  readLedgerEntries,
  type StartedRun,
  type StartRunInput,
} from './ledger';
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
} from './merkle';
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
} from './record-input';
export {
  parseSnapshotBody,
  SNAPSHOT_TYPE,
  type SnapshotBody,
  type SnapshotFile,
  snapshotBodySchema,
  snapshotFileSchema,
} from './snapshot';
export { type FirstBadEntry, type VerifyOptions, type VerifyReport, verifyLedger } from './verify';
export { isVerifyAcceleratorAvailable } from './verify-accelerator';
