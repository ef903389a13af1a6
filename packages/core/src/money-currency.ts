import type { MoneyResult } from './money';

/**
 * The shape of every currency code: upper-case, a letter then 2 to 9 letters or digits (`USD`,
 * `EUR`, `USDC`, `CREDITS`).
 */
export const CURRENCY_CODE_PATTERN: RegExp = /^[A-Z][A-Z0-9]{2,9}$/;

/** The most decimals a currency can have: a declared unit finer than this is refused. */
export const MAX_CURRENCY_DECIMALS = 12;

/**
 * A currency whose decimals are known: an ISO 4217 currency (its decimals are the ISO minor
 * unit) or a custom unit declared with its decimals (`USDC` with 6).
 */
export interface Currency {
  /** The code, upper-case (`USD`, `USDC`). */
  readonly code: string;
  /** Digits after the point of one minor unit: 2 for USD, 0 for JPY, 3 for KWD. */
  readonly decimals: number;
  /** Whether the code is an ISO 4217 currency (otherwise a declared custom unit). */
  readonly iso: boolean;
}

// ISO 4217 list one (current codes), by minor unit. Fixed here rather than taken from `Intl`,
// whose CLDR data differs from ISO for some codes (HUF, IDR, IQD, COP …) and changes with the
// JavaScript engine. Codes whose minor unit ISO gives as "N.A." (gold, SDRs, test codes) are
// not listed: like any other code they can be declared as custom units.
const isoByDecimals: Readonly<Record<number, string>> = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
  2: 'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL',
  3: 'BHD IQD JOD KWD LYD OMR TND',
  4: 'CLF UYW',
};

const isoMinorUnits: ReadonlyMap<string, number> = new Map(
  Object.entries(isoByDecimals).flatMap(([decimals, codes]) =>
    codes.split(' ').map((code) => [code, Number(decimals)] as const),
  ),
);

/** Every ISO 4217 code with a minor unit, for "did you mean" hints. */
export const ISO_CURRENCY_CODES: readonly string[] = [...isoMinorUnits.keys()].sort();

/** The ISO 4217 minor unit of `code` (2 for USD), or `undefined` when ISO lists no such currency. */
export function isoMinorUnit(code: string): number | undefined {
  return isoMinorUnits.get(code);
}

/**
 * Resolves a currency code by the one currency rule of Karnel (spec/treasury.md, section 1):
 *
 * - an ISO 4217 code has its ISO minor unit, and nobody can redeclare it;
 * - any other code of the right shape (`USDC`, `CREDITS`) is a custom unit that has decimals
 *   only where they are declared: pass them in `declared` (`{ USDC: 6 }`), at most
 *   {@link MAX_CURRENCY_DECIMALS}. An undeclared custom unit is refused.
 */
export function resolveCurrency(
  code: unknown,
  declared: Readonly<Record<string, number>> = {},
): MoneyResult<Currency> {
  if (typeof code !== 'string' || !CURRENCY_CODE_PATTERN.test(code)) {
    return {
      ok: false,
      message: `${describe(code)} is not a currency code: write an upper-case code such as "USD" or "USDC"`,
    };
  }
  const iso = isoMinorUnits.get(code);
  const custom = Object.hasOwn(declared, code) ? declared[code] : undefined;
  if (iso !== undefined) {
    if (custom !== undefined && custom !== iso) {
      return {
        ok: false,
        message: `${code} is an ISO 4217 currency with ${iso} decimals; it cannot be declared with ${custom}`,
      };
    }
    return { ok: true, value: { code, decimals: iso, iso: true } };
  }
  if (custom === undefined) {
    return {
      ok: false,
      message: `${code} is not an ISO 4217 currency; a custom unit must be declared with its decimals`,
    };
  }
  if (!Number.isInteger(custom) || custom < 0 || custom > MAX_CURRENCY_DECIMALS) {
    return {
      ok: false,
      message: `${code} is declared with ${custom} decimals; a unit has 0 to ${MAX_CURRENCY_DECIMALS}`,
    };
  }
  return { ok: true, value: { code, decimals: custom, iso: false } };
}

/** Whether `code` has the shape of a currency code ({@link CURRENCY_CODE_PATTERN}). */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && CURRENCY_CODE_PATTERN.test(code);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
