export {
  allocationRulesFileSchema,
  approvalGateSchema,
  type AllocationRulesFile,
} from './allocation-rules-schema';
export {
  compareRates,
  parseAmountExpression,
  RECURRENCE_PERIODS,
  type AmountExpression,
  type RecurrencePeriod,
} from './amount-expression';
export { amountTextSchema, balancesFileSchema, type BalancesFile } from './balances-schema';
export {
  checkSpend,
  toMinorUnits,
  type AmountInput,
  type SpendDecision,
  type SpendRequest,
} from './check-spend';
export {
  computeBalances,
  formatBalanceAmount,
  type BucketBalance,
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
  parseDecimalAmount,
  parsePercent,
  type ParsedAmount,
} from './money';
export {
  isTimeZone,
  localDateOf,
  periodContaining,
  startOfLocalDay,
  WEEKDAYS,
  type BudgetPeriod,
  type BudgetPeriodKind,
  type LocalDate,
  type PeriodOptions,
  type Weekday,
} from './periods';
export {
  createFileRecordStore,
  createLedgerRecordStore,
  type FileRecordStoreOptions,
  type LedgerLike,
  type TreasuryRecordStore,
} from './record-store';
export {
  reservationOpenedRecordSchema,
  reservationReleasedRecordSchema,
  revenueRecordSchema,
  spendRecordSchema,
  TREASURY_RECORD_TYPES,
  treasuryRecordSchema,
  type ReservationOpenedRecord,
  type ReservationReleasedRecord,
  type RevenueRecord,
  type SpendRecord,
  type TreasuryRecord,
} from './records';
export {
  createTreasury,
  type CommitInput,
  type Reservation,
  type ReservationResult,
  type ReserveRequest,
  type RevenueInput,
  type SpendInput,
  type Treasury,
  type TreasuryOptions,
} from './treasury';
export {
  loadTreasuryConfig,
  resolveTreasuryConfig,
  TREASURY_FILES,
  type ApprovalGate,
  type TreasuryConfig,
  type TreasuryConfigOptions,
  type TreasuryConfigResult,
} from './treasury-config';
export { validateTreasuryDir, type ValidateTreasuryDirOptions } from './validate-treasury-dir';
