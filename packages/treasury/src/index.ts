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
  formatBalanceAmount,
  type OpenReservation,
  type PeriodBalance,
  type TreasuryBalances,
} from './compute-balances';
export { ReservationStateError, TreasuryRecordError } from './errors';
export { parseExactYaml, readExactYamlFile } from './exact-yaml';
export {
  currencyMinorDigits,
  formatBasisPoints,
  formatMinorUnits,
  isCurrencyCode,
  type ParsedAmount,
  parseDecimalAmount,
  parsePercent,
} from './money';
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
  createFileRecordStore,
  createLedgerRecordStore,
  type FileRecordStoreOptions,
  type LedgerEntryLike,
  type LedgerLike,
  type TreasuryRecordStore,
} from './record-store';
export {
  type ReservationOpenedRecord,
  type ReservationReleasedRecord,
  type RevenueRecord,
  reservationOpenedRecordSchema,
  reservationReleasedRecordSchema,
  revenueRecordSchema,
  type SpendRecord,
  spendRecordSchema,
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
