import type { PolicyRequest } from './policy-request';

/** What a rule, and a decision, says about a request. */
export type PolicyEffect = 'allow' | 'deny' | 'needs-approval';

/** The effects, from least to most restrictive. A decision takes the most restrictive match. */
export const POLICY_EFFECTS: readonly PolicyEffect[] = ['allow', 'needs-approval', 'deny'];

/** The periods a spend condition can sum over. */
export type SpendPeriod = 'day' | 'week' | 'month';

/** Where a rule came from, for messages that send a reader to the right line. */
export interface RuleSource {
  /** The file the rule was read from. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** A condition on the amount of a `spend` request. */
export interface AmountCondition {
  /**
   * The rule applies only when the amount (plus what was already spent in `period`, if given)
   * is strictly above this bound: `20`, `"20.00 USD"`.
   */
  readonly amountAbove: string | number;
  /**
   * Sum the request's amount with `request.spent[period]` before comparing. When the request
   * does not say how much was spent in that period the rule cannot be evaluated, and denies.
   */
  readonly period?: SpendPeriod;
}

/** One rule of a policy. Rules are a set: their order and repetition never matter. */
export interface PolicyRule {
  /**
   * A name to report in decisions. Defaults to a name made from the rule's content, so that
   * reordering rules never changes which rule a decision reports.
   */
  readonly id?: string;
  /** What the rule does to the requests it applies to. */
  readonly effect: PolicyEffect;
  /**
   * The capability pattern: `fs.read:./workspace/**`, `net:*.example.com`, `spend`, `*`.
   * Allow rules apply to requests they fully cover; deny and approval rules apply to requests
   * they overlap.
   */
  readonly capability: string;
  /**
   * Which actors the rule applies to: agent ids, role names or did:keys; `*` matches any run
   * of characters. Default: every actor.
   */
  readonly actors?: readonly string[];
  /** Apply only to `spend` requests above an amount (used by spend gates). */
  readonly when?: AmountCondition;
  /**
   * A code-only extra condition. If it throws, the rule cannot be evaluated and the request is
   * denied: a broken rule must never open a door.
   */
  readonly condition?: (request: PolicyRequest) => boolean;
  /** Why the rule exists, shown in decisions. */
  readonly description?: string;
  /** Where the rule was written. */
  readonly source?: RuleSource;
}

/** The rule a decision reports: enough to find it and explain it. */
export interface RuleReference {
  /** The rule's id (given, or derived from its content). */
  readonly id: string;
  /** The rule's own effect (a rule that failed to evaluate reports its declared effect here). */
  readonly effect: PolicyEffect;
  /** The rule's capability pattern, normalised when it parsed. */
  readonly capability: string;
  /** Where the rule was written, when known. */
  readonly source?: RuleSource;
}
