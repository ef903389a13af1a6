import {
  CURRENCY_CODE_PATTERN,
  idSchema,
  MAX_WRITTEN_DECIMALS,
  parseDecimal,
  timestampSchema,
} from '@karnel/core';
import { z } from 'zod';
import { RECURRENCE_PERIODS, type RecurrencePeriod } from './amount-expression';

// The grammar of every amount is core's; how many decimals count depends on the treasury's
// currency, which the record alone does not know (see `checkTreasuryRecord`).
const amountText = z.unknown().transform((value, context) => {
  const parsed = parseDecimal(value, MAX_WRITTEN_DECIMALS);
  if (parsed.ok) return value as string;
  context.addIssue({ code: 'custom', message: parsed.message });
  return z.NEVER;
});
const currencyCode = z
  .string()
  .regex(CURRENCY_CODE_PATTERN, 'expected a currency code such as "USD" (upper-case)');
// Typed by name, so that the documentation shows `RecurrencePeriod` rather than an object of
// undocumented values.
const recurrenceSchema: z.ZodEnum<Record<RecurrencePeriod, RecurrencePeriod>> = z.enum(
  RECURRENCE_PERIODS as [RecurrencePeriod, ...RecurrencePeriod[]],
);

/** A spend that happened: money left the treasury. */
export const spendRecordSchema = z.strictObject({
  /** Record type. */
  type: z.literal('spend.recorded'),
  /** When the money was spent (RFC 3339); decides which period it counts in. */
  at: timestampSchema,
  /** Exact amount, a decimal string in the currency's minor digits (`"0.42"`); never a number. */
  amount: amountText,
  /** Currency code; must be the treasury's currency. */
  currency: currencyCode,
  /** The cognitive tier the spend paid for, counted against `inference_budget`. */
  model_class: z.string().optional(),
  /** The `weekly_allocation` category the spend counts against. */
  category: z.string().optional(),
  /** For a recurring commitment, how often it recurs. */
  recurring: recurrenceSchema.optional(),
  /** The reservation this spend settles, if any. */
  reservation: idSchema('rsv').optional(),
  /** The run whose cost this is (`run_…`), for attribution. */
  run: z.string().optional(),
  /** A short human description. */
  description: z.string().optional(),
});

/** Revenue received: money came into the treasury. */
export const revenueRecordSchema = z.strictObject({
  /** Record type. */
  type: z.literal('revenue.recorded'),
  /** When the money arrived (RFC 3339). */
  at: timestampSchema,
  /** Exact amount, decimal text. */
  amount: amountText,
  /** Currency code; must be the treasury's currency. */
  currency: currencyCode,
  /** Where it came from (`stripe`, `sponsorship` …). */
  source: z.string().optional(),
  /** A short human description. */
  description: z.string().optional(),
});

/** Money set aside for a spend about to happen; counts as spent until settled or expired. */
export const reservationOpenedRecordSchema = z.strictObject({
  /** Record type. */
  type: z.literal('reservation.opened'),
  /** The reservation's id (`rsv_…`). */
  id: idSchema('rsv'),
  /** When it was taken (RFC 3339). */
  at: timestampSchema,
  /** When it lapses if neither committed nor released (RFC 3339). */
  expires_at: timestampSchema,
  /** Exact amount set aside, decimal text. */
  amount: amountText,
  /** Currency code; must be the treasury's currency. */
  currency: currencyCode,
  /** The cognitive tier the spend will pay for. */
  model_class: z.string().optional(),
  /** The `weekly_allocation` category it counts against. */
  category: z.string().optional(),
  /** Why the money is set aside. */
  purpose: z.string().optional(),
});

/** A reservation given back without spending. */
export const reservationReleasedRecordSchema = z.strictObject({
  /** Record type. */
  type: z.literal('reservation.released'),
  /** The reservation's id. */
  id: idSchema('rsv'),
  /** When it was released (RFC 3339). */
  at: timestampSchema,
  /** Why. */
  reason: z.string().optional(),
});

/**
 * A ledger entry of a treasury type that the treasury refused, set aside by the first writer
 * that met it (spec/treasury.md, section 5.4). It names the entry by position and hash; the
 * named entry never counts, and the quarantine itself counts only if the entry it names really
 * is invalid, so a quarantine can never remove money that was validly recorded.
 */
export const quarantineRecordSchema = z.strictObject({
  /** Record type. */
  type: z.literal('treasury.record_quarantined'),
  /** When the entry was quarantined (RFC 3339). */
  at: timestampSchema,
  /** The position of the quarantined entry: its ledger `seq` (for a records file, its line − 1). */
  seq: z.number().int().nonnegative(),
  /** The quarantined entry's hash, lowercase hex (for a records file, the SHA-256 of its line). */
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256'),
  /** The quarantined entry's type (`spend.recorded` …). */
  record_type: z.string(),
  /** The diagnostic code of the refusal (`treasury/invalid-record`, `treasury/record-currency`). */
  code: z.string(),
  /** Why the entry was refused, one sentence. */
  reason: z.string(),
});

/** A quarantine record. */
export type QuarantineRecord = z.infer<typeof quarantineRecordSchema>;

/** The record type of {@link quarantineRecordSchema}. */
export const QUARANTINE_RECORD_TYPE = 'treasury.record_quarantined';

/** Any record the treasury folds into balances. */
export const treasuryRecordSchema = z.discriminatedUnion('type', [
  spendRecordSchema,
  revenueRecordSchema,
  reservationOpenedRecordSchema,
  reservationReleasedRecordSchema,
]);

/** A spend record. */
export type SpendRecord = z.infer<typeof spendRecordSchema>;
/** A revenue record. */
export type RevenueRecord = z.infer<typeof revenueRecordSchema>;
/** A reservation-opened record. */
export type ReservationOpenedRecord = z.infer<typeof reservationOpenedRecordSchema>;
/** A reservation-released record. */
export type ReservationReleasedRecord = z.infer<typeof reservationReleasedRecordSchema>;
/** Any treasury record. */
export type TreasuryRecord = z.infer<typeof treasuryRecordSchema>;

/** The record types the treasury folds into balances. */
export const TREASURY_RECORD_TYPES: readonly TreasuryRecord['type'][] = [
  'spend.recorded',
  'revenue.recorded',
  'reservation.opened',
  'reservation.released',
];

/** Every ledger record type the treasury owns: its money records and its quarantine record. */
export const TREASURY_LEDGER_TYPES: readonly string[] = [
  ...TREASURY_RECORD_TYPES,
  QUARANTINE_RECORD_TYPE,
];
