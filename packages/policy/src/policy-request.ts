import type { PolicyEffect, RuleReference, SpendPeriod } from './policy-rule';

/** A question put to a policy: may `actor` use `capability` (on `scope`, for `amount`)? */
export interface PolicyRequest {
  /** Who asks: an agent id, a role name or a did:key. */
  readonly actor: string;
  /** The capability, optionally with its scope: `fs.write:/tmp/out/a.txt`, `net:api.github.com`. */
  readonly capability: string;
  /** The scope, when it is not part of `capability` (the two must not disagree). */
  readonly scope?: string;
  /** For `spend`: the amount of this action (`4.20`, `"4.20 USD"`). */
  readonly amount?: number | string;
  /** For spend limits per period: what the actor already spent in each period. */
  readonly spent?: Partial<Record<SpendPeriod, number | string>>;
  /**
   * The capabilities the actor declared (`capabilities_declared`, `capabilities_required`).
   * When given, a request outside them is denied whatever the rules say.
   */
  readonly declared?: readonly string[];
  /** The exact action, for approval requests (hashed, never interpreted by `decide`). */
  readonly action?: unknown;
}

/** A policy's answer. */
export interface PolicyDecision {
  /** `allow`, `deny`, or `needs-approval` (a signed human approval is needed first). */
  readonly effect: PolicyEffect;
  /** The rule that produced the effect; absent for a denial by default or a malformed request. */
  readonly rule?: RuleReference;
  /** One sentence saying why. */
  readonly reason: string;
  /** The request's capability, normalised, when it parsed. */
  readonly capability?: string;
}
