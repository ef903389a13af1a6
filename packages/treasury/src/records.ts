import { idSchema, timestampSchema } from '@karnel/core';
import { z } from 'zod';
import { RECURRENCE_PERIODS, type RecurrencePeriod } from './amount-expression';

const amountText = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'expected a non-negative decimal amount like "12.30"');
const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code');
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
  /** Exact amount, decimal text in the currency's minor digits (`"0.42"`). */
  amount: amountText,
  /** ISO 4217 code; must be the treasury's currency. */
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
  /** ISO 4217 code; must be the treasury's currency. */
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
  /** ISO 4217 code; must be the treasury's currency. */
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

/** The record types the treasury writes and reads. */
export const TREASURY_RECORD_TYPES: readonly TreasuryRecord['type'][] = [
  'spend.recorded',
  'revenue.recorded',
  'reservation.opened',
  'reservation.released',
];
