import { amountPattern, COST_DECIMALS, CURRENCY_CODE_PATTERN, parseCost } from '@karnel/core';
import { z } from 'zod';

/**
 * An amount of money or credits in a message: an exact decimal string and a currency code, by
 * the one money rule of `@karnel/core` (spec/treasury.md, section 1). A message carries prices,
 * costs and budgets, so its amounts are costs: at most 12 decimals, never a number.
 */
export const moneySchema = z.strictObject({
  /** A non-negative decimal written as a string, e.g. `"0.042"`; at most 12 decimals. */
  amount: z
    .string()
    .regex(
      amountPattern(COST_DECIMALS),
      'an amount is a non-negative decimal string with at most 12 decimals, such as "0.042"',
    ),
  /** An upper-case currency or credit code, e.g. `USD`, `EUR`, `USDC`. */
  currency: z
    .string()
    .regex(CURRENCY_CODE_PATTERN, 'a currency is an upper-case code such as "USD" or "USDC"'),
});

/** An amount with its currency. */
export type Money = z.infer<typeof moneySchema>;

/**
 * Compares two amounts of the same currency exactly: negative when `a < b`, zero when equal
 * (`"1.50"` and `"1.5"`), positive when `a > b`. Returns `undefined` when the currencies differ
 * or an amount is not a cost: amounts in different currencies are never compared.
 */
export function compareMoney(a: Money, b: Money): number | undefined {
  if (a.currency !== b.currency) return undefined;
  const [left, right] = [parseCost(a.amount), parseCost(b.amount)];
  if (!left.ok || !right.ok) return undefined;
  return left.value < right.value ? -1 : left.value > right.value ? 1 : 0;
}
