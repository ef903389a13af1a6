/**
 * A money amount, kept as an exact integer number of millionths so that `19.99 + 0.01` is
 * exactly `20`: spend gates compare money, and floating-point drift must never flip a decision.
 */
export interface Amount {
  /** The amount in millionths of the currency unit (an integer). */
  readonly micros: number;
  /** The ISO 4217-style currency code, upper case (default `USD`). */
  readonly currency: string;
}

/** The result of {@link parseAmount}. */
export type ParseAmountResult =
  | {
      /** The text is an amount. */
      readonly success: true;
      /** The amount. */
      readonly value: Amount;
    }
  | {
      /** The text is not an amount. */
      readonly success: false;
      /** Why, in one sentence. */
      readonly reason: string;
    };

/** The largest amount accepted: one billion units, far inside exact integer range as micros. */
export const MAX_AMOUNT_UNITS = 1_000_000_000;

/** The currency an amount without one is in. */
export const DEFAULT_CURRENCY = 'USD';

const amountPattern = /^\$?\s*(\d{1,10})(?:\.(\d{1,6}))?(?:\s*([A-Za-z]{3}))?$/;

/**
 * Parses `20`, `20.00`, `$20`, `20.00 USD` or a non-negative finite number. Returns a reason
 * instead of throwing, because amounts come from users' files and from agents' requests.
 */
export function parseAmount(
  input: string | number,
  defaultCurrency: string = DEFAULT_CURRENCY,
): ParseAmountResult {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      return { success: false, reason: `amount ${input} is not a non-negative finite number` };
    }
    if (input > MAX_AMOUNT_UNITS)
      return { success: false, reason: `amount ${input} is over the limit of ${MAX_AMOUNT_UNITS}` };
    return {
      success: true,
      value: { micros: Math.round(input * 1_000_000), currency: defaultCurrency },
    };
  }
  const match = amountPattern.exec(input.trim());
  if (!match) {
    return {
      success: false,
      reason: `"${input}" is not an amount (expected e.g. 20.00 or 20.00 USD)`,
    };
  }
  const [, whole, fraction = '', currency] = match;
  const units = Number(whole);
  if (units > MAX_AMOUNT_UNITS)
    return { success: false, reason: `amount "${input}" is over the limit of ${MAX_AMOUNT_UNITS}` };
  const micros = units * 1_000_000 + Number(fraction.padEnd(6, '0'));
  return {
    success: true,
    value: { micros, currency: currency ? currency.toUpperCase() : defaultCurrency },
  };
}

/** Formats an amount as `20.00 USD` (at least two decimals, more only when needed). */
export function formatAmount(amount: Amount): string {
  const units = Math.floor(amount.micros / 1_000_000);
  let fraction = String(amount.micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${units}.${fraction} ${amount.currency}`;
}
