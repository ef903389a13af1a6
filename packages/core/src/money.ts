import type { Currency } from './money-currency';

/**
 * Exact money. Amounts travel as decimal strings (`"12.30"`) and are held as `bigint` counts of
 * the smallest unit they allow, so sums and comparisons are exact and no amount is ever rounded
 * behind the user's back. Text is converted digit by digit; a number is refused, because a
 * binary float cannot hold `0.1` and forgets how many decimals were written.
 *
 * The one precision rule (spec/treasury.md, section 1): digits with an optional point and at
 * least one digit after it; no sign, exponent, spaces or grouping; at most
 * {@link MAX_WHOLE_DIGITS} digits before the point and {@link MAX_WRITTEN_DECIMALS} after it;
 * and no more significant decimals than the quantity allows (trailing zeros lose nothing).
 */

/** What parsing money says: the value, or one sentence saying why the input was refused. */
export type MoneyResult<T> =
  | {
      /** The input is accepted. */
      readonly ok: true;
      /** The parsed value. */
      readonly value: T;
    }
  | {
      /** The input is refused. */
      readonly ok: false;
      /** Why, and how to write it instead. */
      readonly message: string;
    };

/** The most digits an amount may have before the point (below a quadrillion units). */
export const MAX_WHOLE_DIGITS = 15;

/** The most digits an amount may have after the point as written, trailing zeros included. */
export const MAX_WRITTEN_DECIMALS = 18;

const decimalPattern = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses decimal text into an integer count of units of `10^-decimals`: `("12.30", 2)` is
 * `1230n`. Refuses anything but a string (a JSON number included), anything outside the
 * grammar, negative amounts, and more significant decimals than `decimals`.
 *
 * @param what - how to name the quantity in messages (`"USD amounts"`, `"costs"`), or a function
 *   giving it, called only when the value is refused.
 */
export function parseDecimal(
  value: unknown,
  decimals: number,
  what: string | (() => string) = 'amounts',
): MoneyResult<bigint> {
  const match = typeof value === 'string' ? decimalPattern.exec(value) : null;
  if (match) {
    const whole = match[1]!;
    const fraction = match[2] ?? '';
    if (whole.length <= MAX_WHOLE_DIGITS && fraction.length <= decimals)
      return { ok: true, value: BigInt(whole + fraction.padEnd(decimals, '0')) };
  }
  return refuse(value, decimals, typeof what === 'function' ? what() : what);
}

// The slow path, with the reason: only for input that the fast path above did not accept.
function refuse(value: unknown, decimals: number, what: string): MoneyResult<bigint> {
  if (typeof value !== 'string') {
    if (typeof value === 'number' || typeof value === 'bigint') {
      return {
        ok: false,
        message: `${String(value)} is a number; write the amount as a decimal string ("12.30"): a binary number cannot hold money exactly`,
      };
    }
    return {
      ok: false,
      message: `expected an amount as a decimal string such as "12.30", found ${value === null ? 'null' : typeof value}`,
    };
  }
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  const match = decimalPattern.exec(value);
  if (!match) {
    if (/^\s*-\s*\d/.test(value))
      return { ok: false, message: `${shown} is negative; an amount is never negative` };
    return {
      ok: false,
      message: `${shown} is not a decimal amount: write digits with an optional point, like "12.30" (no sign, exponent, spaces or grouping)`,
    };
  }
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  if (whole.length > MAX_WHOLE_DIGITS) {
    return {
      ok: false,
      message: `${shown} has more than ${MAX_WHOLE_DIGITS} digits before the point`,
    };
  }
  if (fraction.length > MAX_WRITTEN_DECIMALS) {
    return {
      ok: false,
      message: `${shown} has more than ${MAX_WRITTEN_DECIMALS} digits after the point`,
    };
  }
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > decimals) {
    return {
      ok: false,
      message:
        decimals === 0
          ? `${shown} has decimals, but ${what} have none`
          : `${shown} has ${significant.length} decimals, but ${what} have at most ${decimals}`,
    };
  }
  return { ok: true, value: BigInt(whole + significant.padEnd(decimals, '0')) };
}

/**
 * The grammar of {@link parseDecimal} with `decimals` as a regular expression, for JSON Schema
 * and other places that can only say a pattern: `amountPattern(2)` matches `"12.30"` and
 * `"12.300"`, not `"12.345"`.
 */
export function amountPattern(decimals: number): RegExp {
  const fraction =
    decimals === 0
      ? `0{1,${MAX_WRITTEN_DECIMALS}}`
      : `\\d{1,${decimals}}0{0,${MAX_WRITTEN_DECIMALS - decimals}}`;
  return new RegExp(`^\\d{1,${MAX_WHOLE_DIGITS}}(?:\\.${fraction})?$`);
}

/**
 * Formats a count of units of `10^-decimals` as decimal text: `(1230n, 2)` is `"12.30"`.
 * Negative values (an overdrawn balance) get a leading `-`. With `trim`, trailing zeros of the
 * fraction are dropped down to `minimumDecimals` (`(375n, 7, { trim: true })` is `"0.0000375"`).
 */
export function formatDecimal(
  value: bigint,
  decimals: number,
  { trim = false, minimumDecimals = 0 }: { trim?: boolean; minimumDecimals?: number } = {},
): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  let fraction = digits.slice(digits.length - decimals);
  if (trim) {
    fraction = fraction.replace(/0+$/, '');
    if (fraction.length < minimumDecimals) fraction = fraction.padEnd(minimumDecimals, '0');
  }
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Parses an amount of `currency` into its minor units: `("12.30", USD)` is `1230n`. The amount
 * may not be finer than the currency's minor unit (`"0.001"` USD is refused).
 */
export function parseMoney(value: unknown, currency: Currency): MoneyResult<bigint> {
  return parseDecimal(value, currency.decimals, () => `${currency.code} amounts`);
}

/** Formats minor units of `currency` with exactly its decimals: `(1230n, USD)` is `"12.30"`. */
export function formatMoney(minor: bigint, currency: Pick<Currency, 'decimals'>): string {
  return formatDecimal(minor, currency.decimals);
}
