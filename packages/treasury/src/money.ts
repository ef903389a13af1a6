/**
 * Exact money. Amounts are integer *minor units* (cents for USD) held as `bigint`, so adding a
 * thousand spends of 0.10 gives exactly 100.00 and no amount is ever rounded behind the user's
 * back. Decimal text is converted digit by digit, never through a floating-point number.
 */

/** The outcome of parsing a decimal amount: the minor units, or why the text was refused. */
export type ParsedAmount =
  | {
      /** The text is an amount. */
      readonly ok: true;
      /** The amount in the currency's minor units (cents for USD). */
      readonly minor: bigint;
    }
  | {
      /** The text is not an amount the currency can hold. */
      readonly ok: false;
      /** Why, and how to write it instead. */
      readonly message: string;
    };

const decimalPattern = /^([+-])?(\d+)(?:\.(\d+))?$/;

let knownCurrencies: Set<string> | undefined;

/** Whether `code` is an ISO 4217 currency code this JavaScript engine knows (`USD`, `EUR` …). */
export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies.has(code);
}

/** Every currency code this engine knows, for "did you mean" hints. */
export function currencyCodes(): readonly string[] {
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return [...knownCurrencies];
}

/**
 * How many digits follow the decimal point in `currency` (2 for USD and EUR, 0 for JPY, 3 for
 * KWD), from the engine's ISO 4217 data.
 */
export function currencyMinorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits as number;
}

/**
 * Parses decimal text (`"12.30"`, `"-4"`, `"0.5"`) into integer minor units with `minorDigits`
 * decimals. Refuses exponents, grouping separators and anything finer than the currency allows
 * (`"12.345"` for USD), except trailing zeros, which lose nothing (`"12.300"` is 1230 cents).
 */
export function parseDecimalAmount(text: string, minorDigits: number): ParsedAmount {
  const match = decimalPattern.exec(text.trim());
  if (!match) {
    return { ok: false, message: `"${text}" is not a decimal amount (write it like 12.30)` };
  }
  const [, sign, whole, fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > minorDigits) {
    return {
      ok: false,
      message:
        minorDigits === 0
          ? `"${text}" has decimals, but this currency has no minor unit`
          : `"${text}" has more than ${minorDigits} decimal${minorDigits === 1 ? '' : 's'}, finer than this currency allows`,
    };
  }
  const minor = BigInt(whole! + significant.padEnd(minorDigits, '0'));
  return { ok: true, minor: sign === '-' ? -minor : minor };
}

/** Formats minor units as decimal text with exactly `minorDigits` decimals (`1230n, 2` → `"12.30"`). */
export function formatMinorUnits(minor: bigint, minorDigits: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(minorDigits + 1, '0');
  const whole = digits.slice(0, digits.length - minorDigits);
  const fraction = digits.slice(digits.length - minorDigits);
  return `${negative ? '-' : ''}${whole}${minorDigits > 0 ? `.${fraction}` : ''}`;
}

/**
 * Parses a percentage written with a percent sign (`"60%"`, `"12.5%"`) into basis points
 * (hundredths of a percent), so that shares add up exactly. At most two decimals.
 */
export function parsePercent(text: string):
  | {
      /** The text is a percentage. */
      ok: true;
      /** The share in basis points: `"12.5%"` is 1250. */
      basisPoints: number;
    }
  | {
      /** The text is not a percentage with at most two decimals. */
      ok: false;
      /** Why, and how to write it instead. */
      message: string;
    } {
  const match = /^(\d+)(?:\.(\d{1,2}))?\s*%$/.exec(text.trim());
  if (!match) {
    return { ok: false, message: `"${text}" is not a percentage (write it like 60% or 12.5%)` };
  }
  const basisPoints = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return { ok: true, basisPoints };
}

/** Formats basis points as a percentage (`6000` → `"60%"`, `1250` → `"12.5%"`). */
export function formatBasisPoints(basisPoints: number): string {
  const whole = Math.trunc(basisPoints / 100);
  const fraction = String(basisPoints % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return `${whole}${fraction ? `.${fraction}` : ''}%`;
}
