import { type Currency, MAX_CURRENCY_DECIMALS, parseMoney, resolveCurrency } from '@karnel/core';
import {
  QUARANTINE_RECORD_TYPE,
  type QuarantineRecord,
  quarantineRecordSchema,
  type TreasuryRecord,
  treasuryRecordSchema,
} from './records';

/** What {@link checkTreasuryRecord} says of one stored value. */
export type TreasuryRecordCheck =
  | {
      /** The value is a record the treasury can count. */
      readonly ok: true;
      /** The record, checked. */
      readonly value: TreasuryRecord | QuarantineRecord;
    }
  | {
      /** The value cannot be counted. */
      readonly ok: false;
      /** `treasury/record-currency` for a record in another currency, else `treasury/invalid-record`. */
      readonly code: 'treasury/invalid-record' | 'treasury/record-currency';
      /** Why, one sentence naming the field. */
      readonly message: string;
    };

/**
 * Checks one stored treasury record (`{ type, ...body }`) by the rules of spec/treasury.md:
 * its schema, an amount written as a decimal string (never a number), and, when the treasury's
 * `currency` is given, that currency and no more decimals than it has. Without `currency` an
 * ISO 4217 code is held to its minor unit and a custom unit to at most 12 decimals; the
 * treasury, which knows its currency, checks again when it reads.
 */
export function checkTreasuryRecord(value: unknown, currency?: Currency): TreasuryRecordCheck {
  const isQuarantine =
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === QUARANTINE_RECORD_TYPE;
  const result = (isQuarantine ? quarantineRecordSchema : treasuryRecordSchema).safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return {
      ok: false,
      code: 'treasury/invalid-record',
      message: `${issue.path.join('.') || 'record'}: ${issue.message}`,
    };
  }
  return checkRecordAmount(result.data, currency);
}

/**
 * The part of {@link checkTreasuryRecord} after the schema: the currency and the amount of a
 * record whose shape is already known to be valid (one this process checked as it appended it).
 */
export function checkRecordAmount(
  record: TreasuryRecord | QuarantineRecord,
  currency?: Currency,
): TreasuryRecordCheck {
  if (!('amount' in record)) return { ok: true, value: record };
  let unit: Currency;
  if (currency) {
    if (record.currency !== currency.code) {
      return {
        ok: false,
        code: 'treasury/record-currency',
        message: `the record is in ${record.currency}, but the treasury keeps its accounts in ${currency.code}`,
      };
    }
    unit = currency;
  } else {
    const resolved = resolveCurrency(record.currency);
    unit = resolved.ok
      ? resolved.value
      : { code: record.currency, decimals: MAX_CURRENCY_DECIMALS, iso: false };
  }
  const amount = parseMoney(record.amount, unit);
  if (!amount.ok)
    return { ok: false, code: 'treasury/invalid-record', message: `amount: ${amount.message}` };
  return { ok: true, value: record };
}
