/** The built-in condition that compares a predicted cost with the remaining budget. */
export const COST_OVERRUN_PREDICTED = 'cost_overrun_predicted';

/**
 * What an escalation condition name means.
 *
 * - `cost-overrun`: `cost_overrun_predicted`, true when the predicted cost of the work exceeds
 *   the remaining budget given to the evaluator.
 * - `rejection-streak`: `<role>_rejection_<n>x` (`critic_rejection_3x`), true when `role`
 *   rejected the same task `n` times in a row.
 * - `custom`: any other name; true when the predicate the caller registered under that name
 *   says so.
 */
export type ParsedCondition =
  | { readonly kind: 'cost-overrun'; readonly name: string }
  | {
      readonly kind: 'rejection-streak';
      readonly name: string;
      readonly role: string;
      readonly count: number;
    }
  | { readonly kind: 'custom'; readonly name: string };

const streakPattern = /^([a-z][a-z0-9_-]*)_rejection_([1-9]\d{0,2})x$/;

/** Classifies an escalation condition name; see {@link ParsedCondition}. */
export function parseCondition(name: string): ParsedCondition {
  if (name === COST_OVERRUN_PREDICTED) return { kind: 'cost-overrun', name };
  const match = streakPattern.exec(name);
  if (match) return { kind: 'rejection-streak', name, role: match[1]!, count: Number(match[2]) };
  return { kind: 'custom', name };
}
