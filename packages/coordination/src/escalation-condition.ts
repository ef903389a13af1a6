/** The built-in condition that compares a predicted cost with the remaining budget. */
export const COST_OVERRUN_PREDICTED = 'cost_overrun_predicted';

/** `cost_overrun_predicted`: the predicted cost of the work exceeds the remaining budget. */
export interface CostOverrunCondition {
  /** The kind of condition. */
  readonly kind: 'cost-overrun';
  /** The condition name. */
  readonly name: string;
}

/** `<role>_rejection_<n>x` (`critic_rejection_3x`): `role` rejected the same task `n` times in a row. */
export interface RejectionStreakCondition {
  /** The kind of condition. */
  readonly kind: 'rejection-streak';
  /** The condition name. */
  readonly name: string;
  /** The role whose rejections are counted. */
  readonly role: string;
  /** How many rejections in a row make the condition hold. */
  readonly count: number;
}

/** Any other name: true when the predicate the caller registered under that name says so. */
export interface CustomCondition {
  /** The kind of condition. */
  readonly kind: 'custom';
  /** The condition name. */
  readonly name: string;
}

/** What an escalation condition name means. */
export type ParsedCondition = CostOverrunCondition | RejectionStreakCondition | CustomCondition;

const streakPattern = /^([a-z][a-z0-9_-]*)_rejection_([1-9]\d{0,2})x$/;

/** Classifies an escalation condition name; see {@link ParsedCondition}. */
export function parseCondition(name: string): ParsedCondition {
  if (name === COST_OVERRUN_PREDICTED) return { kind: 'cost-overrun', name };
  const match = streakPattern.exec(name);
  if (match) return { kind: 'rejection-streak', name, role: match[1]!, count: Number(match[2]) };
  return { kind: 'custom', name };
}
