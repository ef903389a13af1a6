import { z } from 'zod';

/** A share of the weekly budget, written with a percent sign (`60%`). */
export const percentTextSchema = z.union([
  z.string(),
  z.number().transform((value) => String(value)),
]);

/** An approval gate's threshold: a number or a string such as `"25.00 EUR"` or `5.00_per_week`. */
export const gateAmountSchema = z.union([
  z.string(),
  z.number().transform((value) => String(value)),
]);

/**
 * One approval gate: spends above the threshold wait for the named role's approval. Exactly one
 * of `any_action_above` and `any_recurring_above` must be given (checked when resolving).
 */
export const approvalGateSchema = z.strictObject({
  /** A stable name for the gate; default `approval_gates[<index>]`. */
  id: z.string().min(1).optional(),
  /** Why the gate exists, for the approver. */
  description: z.string().optional(),
  /** Any single spend above this amount needs approval (`25.00`). */
  any_action_above: gateAmountSchema.optional(),
  /** Any recurring spend above this rate needs approval (`5.00_per_week`). */
  any_recurring_above: gateAmountSchema.optional(),
  /** The member role whose approval is needed (`human_owner`). */
  requires: z.string().min(1),
});

/** The schema of `treasury/allocation_rules.yaml`. */
export const allocationRulesFileSchema = z.strictObject({
  /** Shares of the weekly budget per spending category; they must add up to 100%. */
  weekly_allocation: z.record(z.string(), percentTextSchema).optional(),
  /** Thresholds above which a spend waits for a role's approval. */
  approval_gates: z.array(approvalGateSchema).optional(),
});

/** `treasury/allocation_rules.yaml` as validated (amounts and shares still text). */
export type AllocationRulesFile = z.infer<typeof allocationRulesFileSchema>;
