import {
  COST_DECIMALS,
  CURRENCY_CODE_PATTERN,
  formatDecimal,
  MAX_WHOLE_DIGITS,
  type MoneyResult,
  parseCost,
} from '@karnel/core';

/**
 * A money amount in a policy (a spend capability's scope, a rule's `amount_above`, a request's
 * amount): exact, by the one money rule of `@karnel/core` (spec/treasury.md, section 1). A
 * policy compares what actions cost, so its amounts are costs: up to 12 decimals, held as an
 * integer count of `10^-12` of the currency unit, so `19.99 + 0.01` is exactly `20`.
 */
export interface Amount {
  /** The amount in units of `10^-12` of the currency (`"20.00"` is `20_000_000_000_000n`). */
  readonly units: bigint;
  /** The currency code, upper case (default `USD`). */
  readonly currency: string;
}

/** The result of {@link parseAmount}: `{ ok: true, value }` or `{ ok: false, message }`. */
export type ParseAmountResult = MoneyResult<Amount>;

/** The largest amount accepted, in whole units: the one money rule's 15 digits before the point. */
export const MAX_AMOUNT_UNITS = 10 ** MAX_WHOLE_DIGITS - 1;

/** The currency an amount without one is in. */
export const DEFAULT_CURRENCY = 'USD';

// The number is checked by core; a code written straight after it starts with three letters,
// so that `1e30` is never read as 1 in a currency "E30".
const amountPattern = /^(\$\s*)?(\d[\d.]*)\s*([A-Za-z]{3}[A-Za-z0-9]{0,7})?$/;

/**
 * Parses `20`, `20.00`, `$20`, `20.00 USD` (the code may be written in lower case) into an
 * exact {@link Amount}. The number follows core's money grammar (`parseCost`): no sign,
 * exponent or grouping, at most 12 decimals. A JavaScript number — the policy API and YAML
 * policy files allow one — is taken by its shortest decimal form (`44.99` is `"44.99"`), the
 * digits the writer typed; one that has no such form (`NaN`, `1e21`) is refused. Returns a
 * message instead of throwing, because amounts come from users' files and agents' requests.
 */
export function parseAmount(
  input: string | number,
  defaultCurrency: string = DEFAULT_CURRENCY,
): ParseAmountResult {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0 || Object.is(input, -0)) {
      return { ok: false, message: `amount ${input} is not a non-negative finite number` };
    }
    return withCurrency(String(input), defaultCurrency, String(input));
  }
  if (typeof input !== 'string') {
    return { ok: false, message: `expected an amount such as "20.00 USD", found ${typeof input}` };
  }
  const match = amountPattern.exec(input.trim());
  if (!match) {
    return { ok: false, message: `"${input}" is not an amount (expected e.g. 20.00 or 20.00 USD)` };
  }
  const [, , number, currency] = match;
  return withCurrency(number!, currency ? currency.toUpperCase() : defaultCurrency, input);
}

function withCurrency(number: string, currency: string, input: string): ParseAmountResult {
  if (!CURRENCY_CODE_PATTERN.test(currency)) {
    return { ok: false, message: `"${currency}" is not a currency code (expected e.g. USD)` };
  }
  const units = parseCost(number);
  if (!units.ok) return { ok: false, message: `amount "${input}": ${units.message}` };
  return { ok: true, value: { units: units.value, currency } };
}

/** Formats an amount as `20.00 USD` (at least two decimals, more only when needed). */
export function formatAmount(amount: Amount): string {
  return `${formatDecimal(amount.units, COST_DECIMALS, { trim: true, minimumDecimals: 2 })} ${amount.currency}`;
}
