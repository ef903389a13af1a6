/**
 * Every diagnostic code the treasury reports, in its files, its records and its ledger entries
 * (spec/treasury.md, section 8).
 */
export const TREASURY_DIAGNOSTIC_CODES = [
  'treasury/invalid-amount',
  'treasury/invalid-percent',
  'treasury/invalid-gate-amount',
  'treasury/invalid-quota',
  'treasury/unknown-currency',
  'treasury/unknown-time-zone',
  'treasury/unknown-model-class',
  'treasury/no-budget',
  'treasury/allocation-sum',
  'treasury/gate-currency',
  'treasury/gate-threshold',
  'treasury/duplicate-gate',
  'treasury/unknown-role',
  'treasury/model-classes-over-budget',
  'treasury/allocation-without-budget',
  'treasury/over-budget',
  'treasury/snapshot-mismatch',
  'treasury/invalid-record',
  'treasury/record-currency',
  'treasury/invalid-quarantine',
] as const;

/** A diagnostic code of the treasury (`treasury/invalid-record` …). */
export type TreasuryDiagnosticCode = (typeof TREASURY_DIAGNOSTIC_CODES)[number];
