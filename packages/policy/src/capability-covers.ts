import { ANY_CAPABILITY, type Capability, parseCapability } from './capability';
import { amountContains, scopeContains, scopeOverlaps } from './scope-match';

function toCapability(value: string | Capability): Capability | undefined {
  if (typeof value !== 'string') return value;
  const parsed = parseCapability(value);
  return parsed.ok ? parsed.value : undefined;
}

/**
 * Whether holding `granted` is enough for everything `requested` asks for: same name (or a
 * granted `*`), and a scope that contains the requested scope (glob containment for paths,
 * subdomain containment for hosts, leading words for commands, a lower or equal amount in the
 * same currency for `spend`). An unscoped grant covers every scope; an unscoped request is
 * covered only by an unscoped grant.
 *
 * This is the relation attenuation is checked with: a delegation may pass on `requested` only
 * when something it holds covers it. It is conservative — when containment cannot be shown the
 * answer is `false` — and returns `false` for strings that do not parse.
 */
export function capabilityCovers(
  granted: string | Capability,
  requested: string | Capability,
): boolean {
  const g = toCapability(granted);
  const r = toCapability(requested);
  if (!g || !r) return false;
  if (g.name === ANY_CAPABILITY) return true;
  if (g.name !== r.name) return false;
  if (g.scope === undefined) return true;
  if (r.scope === undefined) return false;
  if (g.kind === 'amount')
    return g.amount !== undefined && r.amount !== undefined && amountContains(g.amount, r.amount);
  return scopeContains(g.kind, g.scope, r.scope);
}

/**
 * Whether `pattern` may apply to some action within `requested`. Deny and approval rules use
 * this relation (an over-approximation), allow rules use {@link capabilityCovers}: a request
 * that is only partly allowed is not allowed, and a request that partly touches a denied scope
 * is denied.
 */
export function capabilityOverlaps(
  pattern: string | Capability,
  requested: string | Capability,
): boolean {
  const p = toCapability(pattern);
  const r = toCapability(requested);
  if (!p || !r) return false;
  if (p.name === ANY_CAPABILITY || r.name === ANY_CAPABILITY) return true;
  if (p.name !== r.name) return false;
  if (p.scope === undefined || r.scope === undefined) return true;
  if (p.kind === 'amount')
    return p.amount !== undefined && r.amount !== undefined && amountContains(p.amount, r.amount);
  return scopeOverlaps(p.kind, p.scope, r.scope);
}
