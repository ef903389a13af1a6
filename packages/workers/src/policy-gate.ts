import type { PolicyDecision, PolicyRequest } from '@karnel/policy';

/**
 * What a worker needs of a policy: the one question. `@karnel/policy`'s `createPolicy(…)`
 * returns a value that satisfies it; an embedder can pass anything with the same method (a
 * remote policy service, an approval-aware wrapper).
 */
export interface PolicyDecider {
  /** Decides whether `request.actor` may use `request.capability`. */
  decide(request: PolicyRequest): PolicyDecision | Promise<PolicyDecision>;
}

/** Why a worker asked for a capability. */
export type CheckSource =
  /** Listed in the skill's `capabilities_required`. */
  | 'declared'
  /** A path of the skill's `sandbox.filesystem`. */
  | 'sandbox-filesystem'
  /** A path the caller added for this run (`WorkerRunOptions.filesystem`). */
  | 'run-filesystem'
  /** The skill's sandbox enables the network. */
  | 'network'
  /** A secret the caller asked to hand over (`WorkerRunOptions.secrets`). */
  | 'secret'
  /** A path a native operation touches for this input. */
  | 'native-path';

/** One capability check, as recorded in results and in the ledger. */
export interface CapabilityCheck {
  /** The capability asked for, with its scope (`fs.read:/abs/data/**`). */
  readonly capability: string;
  /** Why the worker asked. */
  readonly source: CheckSource;
  /** The policy's answer; `deny` when no policy was given. */
  readonly effect: 'allow' | 'deny' | 'needs-approval';
  /** The id of the rule that decided, when one did. */
  readonly rule?: string;
  /** The policy's one-sentence reason. */
  readonly reason: string;
}

/** A capability a run needs, before it is checked. */
export interface CapabilityRequest {
  /** The capability with its scope. */
  readonly capability: string;
  /** Why it is needed. */
  readonly source: CheckSource;
}

/**
 * Asks `policy` about every request, in order. Without a policy every request is denied: a
 * worker that was given no policy may run only skills that need nothing privileged.
 */
export async function checkCapabilities(
  requests: readonly CapabilityRequest[],
  { policy, actor }: { policy: PolicyDecider | undefined; actor: string },
): Promise<CapabilityCheck[]> {
  const checks: CapabilityCheck[] = [];
  for (const request of requests) {
    if (!policy) {
      checks.push({
        capability: request.capability,
        source: request.source,
        effect: 'deny',
        reason: 'no policy was given to the worker, and capabilities are denied by default',
      });
      continue;
    }
    const decision = await policy.decide({ actor, capability: request.capability });
    checks.push({
      capability: request.capability,
      source: request.source,
      effect: decision.effect,
      ...(decision.rule ? { rule: decision.rule.id } : {}),
      reason: decision.reason,
    });
  }
  return checks;
}

/** The first check that did not allow, if any. */
export function firstRefusal(checks: readonly CapabilityCheck[]): CapabilityCheck | undefined {
  return checks.find((check) => check.effect !== 'allow');
}
