/**
 * Shares of a budget, written as percentages (`60%`) and held as integer basis points so that
 * shares add up exactly. Money itself is `@karnel/core`'s (`parseMoney`, `formatMoney`).
 */

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
