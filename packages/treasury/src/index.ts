export {
  type AllocationRulesFile,
  allocationRulesFileSchema,
  approvalGateSchema,
} from './allocation-rules-schema';
export {
  type AmountExpression,
  compareRates,
  parseAmountExpression,
  RECURRENCE_PERIODS,
  type RecurrencePeriod,
} from './amount-expression';
export { amountTextSchema, type BalancesFile, balancesFileSchema } from './balances-schema';
export { checkTreasuryRecord, type TreasuryRecordCheck } from './check-record';
export {
  type AmountInput,
  checkSpend,
  type SpendDecision,
  type SpendRequest,
  toMinorUnits,
} from './check-spend';
export {
  type BucketBalance,
  computeBalances,
  createBalanceTracker,
  formatBalanceAmount,
  type OpenReservation,
  type PeriodBalance,
  type TreasuryBalances,
} from './compute-balances';
export { TREASURY_DIAGNOSTIC_CODES, type TreasuryDiagnosticCode } from './diagnostic-codes';
export { ReservationStateError, TreasuryRecordError } from './errors';
export { parseExactYaml, readExactYamlFile } from './exact-yaml';
export { formatBasisPoints, parsePercent } from './percent';
export {
  type BudgetPeriod,
  type BudgetPeriodKind,
  isTimeZone,
  type LocalDate,
  localDateOf,
  type PeriodOptions,
  periodContaining,
  startOfLocalDay,
  WEEKDAYS,
  type Weekday,
} from './periods';
export {
  createTreasuryFold,
  foldTreasuryEntries,
  type ReadTreasuryRecordsOptions,
  readTreasuryRecords,
  type TreasuryRecordsRead,
  type UnquarantinedEntry,
} from './read-treasury-records';
export {
  createFileRecordStore,
  createLedgerRecordStore,
  type EntryLocation,
  type FileRecordStoreOptions,
  type LedgerRecordStoreOptions,
  readLedgerTreasuryEntries,
  type StoredTreasuryEntry,
  type TreasuryRecordStore,
} from './record-store';
export {
  createTreasuryRecordValidator,
  loadTreasuryRecordValidator,
  type TreasuryRecordValidatorOptions,
  treasuryRecordValidator,
} from './record-validator';
export {
  QUARANTINE_RECORD_TYPE,
  type QuarantineRecord,
  quarantineRecordSchema,
  type ReservationOpenedRecord,
  type ReservationReleasedRecord,
  type RevenueRecord,
  reservationOpenedRecordSchema,
  reservationReleasedRecordSchema,
  revenueRecordSchema,
  type SpendRecord,
  spendRecordSchema,
  TREASURY_LEDGER_TYPES,
  TREASURY_RECORD_TYPES,
  type TreasuryRecord,
  treasuryRecordSchema,
} from './records';
export {
  type CommitInput,
  createTreasury,
  type Reservation,
  type ReservationResult,
  type ReserveRequest,
  type RevenueInput,
  type SpendInput,
  type Treasury,
  type TreasuryOptions,
} from './treasury';
export {
  type ApprovalGate,
  loadTreasuryConfig,
  resolveTreasuryConfig,
  TREASURY_FILES,
  type TreasuryConfig,
  type TreasuryConfigOptions,
  type TreasuryConfigResult,
} from './treasury-config';
export { type ValidateTreasuryDirOptions, validateTreasuryDir } from './validate-treasury-dir';
