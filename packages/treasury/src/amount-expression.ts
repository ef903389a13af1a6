/** How often a recurring amount is paid. */
export type RecurrencePeriod = 'day' | 'week' | 'month' | 'year';

/** The recurrence periods, shortest first. */
export const RECURRENCE_PERIODS: readonly RecurrencePeriod[] = ['day', 'week', 'month', 'year'];

/**
 * An amount as written in an approval gate: `25.00`, `"25.00 EUR"`, `5.00_per_week`,
 * `"5.00 USD per month"`. The number stays decimal text until the currency is known.
 */
export interface AmountExpression {
  /** The decimal text of the amount (`"25.00"`). */
  readonly amount: string;
  /** The ISO 4217 code written next to the amount, if any; otherwise the treasury's currency. */
  readonly currency?: string;
  /** The period of a recurring amount (`_per_week` → `week`), if any. */
  readonly per?: RecurrencePeriod;
}

const expressionPattern =
  /^(?:([A-Za-z]{3})\s+)?([+-]?\d+(?:\.\d+)?)(?:\s*([A-Za-z]{3}))??(?:(?:_per_|\s+per\s+|\s*\/\s*)(day|week|month|year))?$/;

/** Parses an approval gate's amount (see {@link AmountExpression} for the accepted forms). */
export function parseAmountExpression(text: string):
  | {
      /** The text is an amount. */
      readonly ok: true;
      /** The amount, with its currency and period when written. */
      readonly value: AmountExpression;
    }
  | {
      /** The text is not an amount. */
      readonly ok: false;
      /** Why, and how to write it instead. */
      readonly message: string;
    } {
  const match = expressionPattern.exec(text.trim());
  if (!match) {
    return {
      ok: false,
      message: `"${text}" is not an amount; write it like 25.00, "25.00 USD" or 5.00_per_week`,
    };
  }
  const [, before, amount, after, per] = match;
  if (before && after) {
    return { ok: false, message: `"${text}" names a currency twice` };
  }
  const currency = before ?? after;
  if (currency && currency !== currency.toUpperCase()) {
    return {
      ok: false,
      message: `"${text}": write the currency code in capitals (${currency.toUpperCase()})`,
    };
  }
  return {
    ok: true,
    value: {
      amount: amount!,
      ...(currency ? { currency } : {}),
      ...(per ? { per: per as RecurrencePeriod } : {}),
    },
  };
}

// Period lengths in sixteenths of a day (a month is 365.25 / 12 days), so that rates over
// different periods compare with integer arithmetic only.
const sixteenthsOfADay: Record<RecurrencePeriod, bigint> = {
  day: 16n,
  week: 112n,
  month: 487n,
  year: 5844n,
};

/**
 * Compares two recurring rates exactly: negative when `a` per `aPer` is less than `b` per
 * `bPer`, zero when equal, positive when greater. A month counts as 365.25 / 12 days.
 */
export function compareRates(
  a: bigint,
  aPer: RecurrencePeriod,
  b: bigint,
  bPer: RecurrencePeriod,
): number {
  const left = a * sixteenthsOfADay[bPer];
  const right = b * sixteenthsOfADay[aPer];
  return left < right ? -1 : left > right ? 1 : 0;
}
