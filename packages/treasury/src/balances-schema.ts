import {
  MAX_CURRENCY_DECIMALS,
  MAX_WRITTEN_DECIMALS,
  parseDecimal,
  timestampSchema,
} from '@karnel/core';
import { z } from 'zod';
import { type BudgetPeriodKind, WEEKDAYS } from './periods';

const decimalPattern = /^[+-]?\d+(\.\d+)?$/;

/**
 * An amount as written in a treasury file: a YAML number or a string of decimal digits. It stays
 * text here (see {@link parseExactYaml}) and becomes integer minor units once the treasury's
 * currency, and so the number of decimals allowed, is known.
 */
export const amountTextSchema = z
  .union([z.string(), z.number().transform((value) => String(value))])
  .superRefine((value, context) => {
    // Core's grammar; the decimals allowed depend on the currency, checked once it is known.
    const parsed = parseDecimal(value, MAX_WRITTEN_DECIMALS);
    if (!parsed.ok) {
      context.addIssue({
        code: 'custom',
        message: parsed.message,
        params: { diagnosticCode: 'treasury/invalid-amount' },
      });
    }
  });

/** A quota figure (a remaining fraction or count): a non-negative decimal, kept as a number. */
export const quotaValueSchema = z
  .union([z.string(), z.number().transform((value) => String(value))])
  .superRefine((value, context) => {
    if (!decimalPattern.test(value.trim()) || value.trim().startsWith('-')) {
      context.addIssue({
        code: 'custom',
        message: `"${value}" is not a non-negative number`,
        params: { diagnosticCode: 'treasury/invalid-quota' },
      });
    }
  })
  .transform((value) => Number(value));

/** The `financial` section of `treasury/balances.yaml`. */
export const financialSchema = z.strictObject({
  /** Code every amount in the treasury is in: ISO 4217, or a custom unit. Optional; default `USD`. */
  currency: z.string().optional(),
  /**
   * Decimals of a custom unit (`USDC`: 6), 0 to 12. Required for a code ISO 4217 does not list;
   * for an ISO code it may only repeat the ISO minor unit.
   */
  currency_decimals: z
    .union([z.string(), z.number()])
    .transform((value) => Number(value))
    .pipe(z.number().int().min(0).max(MAX_CURRENCY_DECIMALS))
    .optional(),
  /** IANA time zone whose midnight rolls the periods over. Optional; default `UTC`. */
  time_zone: z.string().optional(),
  /** First day of a budget week. Optional; default `monday`. */
  week_starts_on: z.enum(WEEKDAYS as [string, ...string[]]).optional(),
  /** The most the group may spend in one budget week. */
  budget_weekly: amountTextSchema.optional(),
  /** The most the group may spend in one calendar month. */
  budget_monthly: amountTextSchema.optional(),
  /** Derived: spend recorded in the week of `as_of`. Written by the treasury, never by hand. */
  spent_this_week: amountTextSchema.optional(),
  /** Derived: spend recorded in the month of `as_of`. Written by the treasury, never by hand. */
  spent_this_month: amountTextSchema.optional(),
  /** Derived: revenue recorded in the month of `as_of`. Written by the treasury, never by hand. */
  revenue_mtd: amountTextSchema.optional(),
  /** When the derived figures were computed (RFC 3339). */
  as_of: timestampSchema.optional(),
});

// Typed by name, so that the documentation shows `BudgetPeriodKind` rather than an object of
// undocumented values.
const budgetPeriodSchema: z.ZodEnum<Record<BudgetPeriodKind, BudgetPeriodKind>> = z.enum([
  'week',
  'month',
]);

/** The `inference_budget` section: spend ceilings per cognitive tier. */
export const inferenceBudgetSchema = z.strictObject({
  /** The period the class budgets are per. Optional; default `week`. */
  period: budgetPeriodSchema.optional(),
  /** Ceiling per cognitive tier (`frontier-reasoning: 15.00`). */
  by_model_class: z.record(z.string(), amountTextSchema),
});

/** The schema of `treasury/balances.yaml`. */
export const balancesFileSchema = z.strictObject({
  /** Currency, time zone, budgets and the derived spend and revenue figures. */
  financial: financialSchema,
  /** Spend ceilings per cognitive tier. */
  inference_budget: inferenceBudgetSchema.optional(),
  /** What is left of each provider's quota (`anthropic_remaining_pct: 0.78`). */
  api_quotas: z.record(z.string(), quotaValueSchema).optional(),
});

/** `treasury/balances.yaml` as validated (amounts still decimal text). */
export type BalancesFile = z.infer<typeof balancesFileSchema>;
