import { z } from 'zod';
import { DECIMAL_PATTERN } from './decimal';

/** An amount of money or credits: an exact decimal string and a currency code. */
export const moneySchema = z.strictObject({
  /** A non-negative decimal written as a string, e.g. `"0.042"`. */
  amount: z
    .string()
    .regex(DECIMAL_PATTERN, 'an amount is a non-negative decimal string such as "0.042"'),
  /** An upper-case currency or credit code, e.g. `USD`, `EUR`, `USDC`. */
  currency: z
    .string()
    .regex(/^[A-Z][A-Z0-9]{2,9}$/, 'a currency is an upper-case code such as "USD"'),
});

/** An amount with its currency. */
export type Money = z.infer<typeof moneySchema>;
