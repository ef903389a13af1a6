import type { Currency, LedgerRecord, RecordValidator } from '@karnel/core';
import { ValidationError } from '@karnel/core';
import { checkTreasuryRecord } from './check-record';
import { TREASURY_LEDGER_TYPES } from './records';
import { loadTreasuryConfig, type TreasuryConfigOptions } from './treasury-config';

/** Options of {@link createTreasuryRecordValidator}. */
export interface TreasuryRecordValidatorOptions {
  /**
   * The treasury's currency. When given, records in any other currency, or finer than it, are
   * refused. Default: any currency code, an ISO one held to its minor unit.
   */
  currency?: Currency;
}

/**
 * Creates the `RecordValidator` of the treasury's record types, for a ledger to check
 * them before it appends (`openLedger(dir, { validators: [validator] })`): the ledger is
 * append-only, so a record the treasury would refuse must be refused at the door.
 */
export function createTreasuryRecordValidator({
  currency,
}: TreasuryRecordValidatorOptions = {}): RecordValidator {
  return {
    types: TREASURY_LEDGER_TYPES,
    validate(record: LedgerRecord) {
      if (typeof record.body !== 'object' || record.body === null || Array.isArray(record.body))
        return { ok: false, message: `${record.type}: the body must be an object` };
      if (Object.hasOwn(record.body, 'type'))
        return {
          ok: false,
          message: `${record.type}: the body must not have a "type" field (the entry type is the record type)`,
        };
      const checked = checkTreasuryRecord({ ...record.body, type: record.type }, currency);
      return checked.ok
        ? { ok: true }
        : { ok: false, message: `${record.type} refused by the treasury: ${checked.message}` };
    },
  };
}

/**
 * The treasury's `RecordValidator` without a currency: every record's schema, amounts as
 * decimal strings, ISO currencies held to their minor unit. Prefer
 * {@link loadTreasuryRecordValidator} when the treasury folder is at hand.
 */
export const treasuryRecordValidator: RecordValidator = createTreasuryRecordValidator();

/**
 * Reads a treasury folder's `balances.yaml` and returns the `RecordValidator` bound to
 * its currency, so records in another currency are refused too.
 *
 * @throws ValidationError (from `@karnel/core`) when the treasury's files are invalid.
 */
export async function loadTreasuryRecordValidator(
  dir: string,
  options: TreasuryConfigOptions = {},
): Promise<RecordValidator> {
  const { config, diagnostics } = await loadTreasuryConfig(dir, options);
  if (!config) throw new ValidationError({ diagnostics });
  return createTreasuryRecordValidator({ currency: config.unit });
}
