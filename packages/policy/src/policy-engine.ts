import { isAbsolute, posix } from 'node:path';
import { InvalidArgumentError } from '@karnel/core';
import { type Amount, formatAmount, parseAmount } from './amount';
import { ANY_CAPABILITY, type Capability, formatCapability, parseCapability } from './capability';
import { capabilityCovers, capabilityOverlaps } from './capability-covers';
import type { PolicyDecision, PolicyRequest } from './policy-request';
import type { PolicyEffect, PolicyRule, RuleReference } from './policy-rule';
import { requestIndexKeys, ruleIndexKey } from './scope-match';

/** Safe mode as a policy sees it. */
export interface SafeModeSettings {
  /**
   * Whether safe mode is on; a function is asked at every decision, so a live safe-mode switch
   * can be plugged in. Default `false`.
   */
  readonly active?: boolean | (() => boolean);
  /**
   * The read capabilities that stay allowed in safe mode (`fs.read:./workspace/**`). Only
   * `fs.read` and other `*.read` capabilities except `secrets.read` may be listed. A request is
   * allowed in safe mode only if the rules allow it *and* one of these covers it.
   */
  readonly allow?: readonly string[];
}

/** Options of {@link createPolicy}. */
export interface PolicyOptions {
  /** The rules. Their order and duplicates never change a decision. Default: none (deny all). */
  readonly rules?: readonly PolicyRule[];
  /** Safe mode settings. Default: off, nothing kept. */
  readonly safeMode?: SafeModeSettings;
  /**
   * The folder relative `fs.*` paths are relative to (the agent or group directory). When
   * set, relative rule patterns and relative requested paths are both resolved against it, so
   * `./workspace/**` and `/abs/agent/workspace/a.txt` compare correctly. When not set, relative
   * and absolute paths never match each other.
   */
  readonly root?: string;
}

/** A deny-by-default policy: the one question every privileged action must ask. */
export interface Policy {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** The rules, as given. */
  readonly rules: readonly PolicyRule[];
  /** Whether safe mode is on right now. */
  readonly safeModeActive: boolean;
  /**
   * Decides a request: `deny` unless some rule allows it; any applicable deny rule wins over
   * everything; an applicable approval rule wins over allow rules; a rule that cannot be
   * evaluated denies. Never throws for a malformed request: it denies with the reason.
   */
  decide(request: PolicyRequest): PolicyDecision;
}

interface CompiledRule {
  readonly rule: PolicyRule;
  readonly reference: RuleReference;
  readonly sortKey: string;
  readonly capability?: Capability;
  readonly brokenReason?: string;
  readonly actors?: readonly string[];
  readonly amountAbove?: Amount;
  readonly conditionError?: string;
}

interface RuleIndex {
  readonly all: CompiledRule[];
  readonly always: CompiledRule[];
  readonly keyed: Map<string, CompiledRule[]>;
}

const effectRank: Record<PolicyEffect, number> = { allow: 0, 'needs-approval': 1, deny: 2 };

/** Whether a capability name is a read the safe-mode list may keep. */
export function isReadCapability(name: string): boolean {
  return name === 'fs.read' || (name.endsWith('.read') && name !== 'secrets.read');
}

function ruleId(rule: PolicyRule, capabilityText: string): string {
  if (rule.id) return rule.id;
  let id = `${rule.effect} ${capabilityText}`;
  if (rule.actors) id += ` for ${[...rule.actors].sort().join(',')}`;
  if (rule.when)
    id += ` when amount > ${rule.when.amountAbove}${rule.when.period ? ` per ${rule.when.period}` : ''}`;
  return id;
}

function resolvePathCapability(capability: Capability, root: string | undefined): Capability {
  if (!root || capability.kind !== 'path' || capability.scope === undefined) return capability;
  if (isAbsolute(capability.scope)) return capability;
  const scope = posix.normalize(posix.join(root.replace(/\\/g, '/'), capability.scope));
  return { ...capability, scope };
}

function compileRule(rule: PolicyRule, root: string | undefined): CompiledRule {
  const parsed = parseCapability(rule.capability);
  const capabilityText = parsed.ok ? formatCapability(parsed.value) : rule.capability;
  const id = ruleId(rule, capabilityText);
  const reference: RuleReference = {
    id,
    effect: rule.effect,
    capability: capabilityText,
    ...(rule.source ? { source: rule.source } : {}),
  };
  const source = rule.source ? `${rule.source.file}:${rule.source.line}:${rule.source.column}` : '';
  const sortKey = `${id}\u0000${capabilityText}\u0000${source}`;
  if (!parsed.ok) return { rule, reference, sortKey, brokenReason: parsed.reason };
  if (!(rule.effect in effectRank)) {
    return {
      rule,
      reference,
      sortKey,
      capability: parsed.value,
      brokenReason: `unknown effect "${String(rule.effect)}"`,
    };
  }
  let amountAbove: Amount | undefined;
  if (rule.when) {
    const amount = parseAmount(rule.when.amountAbove);
    if (!amount.ok)
      return { rule, reference, sortKey, capability: parsed.value, brokenReason: amount.message };
    amountAbove = amount.value;
  }
  return {
    rule,
    reference,
    sortKey,
    capability: resolvePathCapability(parsed.value, root),
    actors: rule.actors,
    amountAbove,
  };
}

function actorMatches(patterns: readonly string[] | undefined, actor: string): boolean {
  if (patterns === undefined) return true;
  return patterns.some((pattern) => {
    if (!pattern.includes('*')) return pattern === actor;
    const parts = pattern.split('*');
    let position = 0;
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index]!;
      if (index === 0) {
        if (!actor.startsWith(part)) return false;
        position = part.length;
      } else if (index === parts.length - 1) {
        return actor.length - part.length >= position && actor.endsWith(part);
      } else {
        const found = actor.indexOf(part, position);
        if (found < 0) return false;
        position = found + part.length;
      }
    }
    return true;
  });
}

type Evaluation = { applies: boolean } | { error: string };

function evaluate(
  compiled: CompiledRule,
  request: PolicyRequest,
  requested: Capability,
  amount: Amount | undefined,
): Evaluation {
  if (compiled.brokenReason) return { error: compiled.brokenReason };
  if (!actorMatches(compiled.actors, request.actor)) return { applies: false };
  const pattern = compiled.capability!;
  const matches =
    compiled.rule.effect === 'allow'
      ? capabilityCovers(pattern, requested)
      : capabilityOverlaps(pattern, requested);
  if (!matches) return { applies: false };
  if (compiled.amountAbove) {
    if (!amount) return { error: 'the rule limits amounts but the request has no amount' };
    let total = amount.units;
    const period = compiled.rule.when?.period;
    if (period) {
      const spentText = request.spent?.[period];
      if (spentText === undefined) {
        return {
          error: `the rule limits spending per ${period} but the request does not say how much was spent this ${period}`,
        };
      }
      const spent = parseAmount(spentText, amount.currency);
      if (!spent.ok) return { error: `spent this ${period}: ${spent.message}` };
      if (spent.value.currency !== amount.currency)
        return {
          error: `spent this ${period} is in ${spent.value.currency}, not ${amount.currency}`,
        };
      total += spent.value.units;
    }
    if (compiled.amountAbove.currency !== amount.currency) {
      return {
        error: `the rule's limit is in ${compiled.amountAbove.currency}, the request in ${amount.currency}`,
      };
    }
    if (total <= compiled.amountAbove.units) return { applies: false };
  }
  if (compiled.rule.condition) {
    try {
      if (!compiled.rule.condition(request)) return { applies: false };
    } catch (error) {
      return {
        error: `its condition threw: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  return { applies: true };
}

function deny(reason: string, rule?: RuleReference, capability?: string): PolicyDecision {
  return {
    effect: 'deny',
    reason,
    ...(rule ? { rule } : {}),
    ...(capability ? { capability } : {}),
  };
}

/** Turns a request's capability, scope and amount into one capability, or says why it cannot. */
function requestedCapability(
  request: PolicyRequest,
  root: string | undefined,
): { ok: true; value: Capability; amount?: Amount } | { ok: false; reason: string } {
  if (request == null || typeof request !== 'object')
    return { ok: false, reason: 'the request is not an object' };
  if (typeof request.actor !== 'string' || request.actor === '')
    return { ok: false, reason: 'the request has no actor' };
  if (typeof request.capability !== 'string')
    return { ok: false, reason: 'the request has no capability' };
  if (request.capability.trim() === ANY_CAPABILITY)
    return { ok: false, reason: 'a request must name one capability, not "*"' };
  let parsed = parseCapability(request.capability);
  if (!parsed.ok) return parsed;
  if (request.scope !== undefined) {
    const withScope = parseCapability(`${parsed.value.name}:${request.scope}`);
    if (!withScope.ok) return withScope;
    if (parsed.value.scope !== undefined && parsed.value.scope !== withScope.value.scope) {
      return {
        ok: false,
        reason: `the request's capability scope "${parsed.value.scope}" and scope "${withScope.value.scope}" disagree`,
      };
    }
    parsed = withScope;
  }
  let capability = parsed.value;
  let amount = capability.amount;
  if (request.amount !== undefined) {
    const requestAmount = parseAmount(request.amount);
    if (!requestAmount.ok) return { ok: false, reason: requestAmount.message };
    if (
      amount &&
      (amount.units !== requestAmount.value.units ||
        amount.currency !== requestAmount.value.currency)
    ) {
      return {
        ok: false,
        reason: `the request's amount ${formatAmount(requestAmount.value)} and scope ${capability.scope} disagree`,
      };
    }
    amount = requestAmount.value;
    if (capability.kind === 'amount')
      capability = { ...capability, scope: formatAmount(amount), amount };
  }
  return {
    ok: true,
    value: resolvePathCapability(capability, root),
    ...(amount ? { amount } : {}),
  };
}

/**
 * Creates a deny-by-default {@link Policy} from rules.
 *
 * Decisions are a pure function of the *set* of rules: the most restrictive applicable effect
 * wins (deny, then needs-approval, then allow), and when several rules of that effect apply the
 * one reported is chosen by a content-based order, so shuffling or duplicating rules never
 * changes a decision. Rules whose capability does not parse are kept and deny every request of
 * their capability name (or every request, when even the name is unreadable).
 *
 * @throws {InvalidArgumentError} when a safe-mode entry is not a read capability.
 */
export function createPolicy({ rules = [], safeMode = {}, root }: PolicyOptions = {}): Policy {
  // Rules are indexed by capability name, then by a literal key of their scope (path prefix,
  // host suffix, first command word, text prefix), so a decision looks only at rules that can
  // apply. The index never changes an answer: a request that is itself a pattern, or a rule
  // without a key, is checked the slow way.
  const byName = new Map<string, RuleIndex>();
  const everywhere: CompiledRule[] = [];
  for (const rule of rules) {
    const compiled = compileRule(rule, root);
    const name = compiled.capability?.name ?? nameOf(rule.capability);
    if (name === undefined || name === ANY_CAPABILITY) {
      everywhere.push(compiled);
      continue;
    }
    let index = byName.get(name);
    if (!index) {
      index = { all: [], always: [], keyed: new Map() };
      byName.set(name, index);
    }
    index.all.push(compiled);
    const capability = compiled.capability;
    const key =
      capability?.scope !== undefined && !compiled.brokenReason
        ? ruleIndexKey(capability.kind, capability.scope)
        : undefined;
    if (key === undefined) index.always.push(compiled);
    else {
      const list = index.keyed.get(key);
      if (list) list.push(compiled);
      else index.keyed.set(key, [compiled]);
    }
  }
  const safeAllow: Capability[] = [];
  for (const entry of safeMode.allow ?? []) {
    const parsed = parseCapability(entry);
    if (!parsed.ok || !isReadCapability(parsed.value.name)) {
      throw new InvalidArgumentError({
        argument: 'safeMode.allow',
        value: entry,
        message: parsed.ok
          ? 'safe mode may only keep read capabilities (fs.read, *.read except secrets.read)'
          : parsed.reason,
      });
    }
    safeAllow.push(resolvePathCapability(parsed.value, root));
  }
  const activeSetting = safeMode.active ?? false;
  const isSafeModeActive =
    typeof activeSetting === 'function' ? activeSetting : () => activeSetting;

  const decideByRules = (request: PolicyRequest): PolicyDecision => {
    const requested = requestedCapability(request, root);
    if (!requested.ok) return deny(`malformed request: ${requested.reason}`);
    const capability = requested.value;
    const capabilityText = formatCapability(capability);
    if (request.declared !== undefined) {
      const declared = Array.isArray(request.declared) ? request.declared : [];
      if (!declared.some((entry) => capabilityCovers(entry, capability))) {
        return deny(
          `${capabilityText} is not among the actor's declared capabilities`,
          undefined,
          capabilityText,
        );
      }
    }
    let best: { compiled: CompiledRule; effect: PolicyEffect; error?: string } | undefined;
    const consider = (candidates: readonly CompiledRule[] | undefined) => {
      if (!candidates) return;
      for (const compiled of candidates) {
        const evaluation = evaluate(compiled, request, capability, requested.amount);
        let effect: PolicyEffect;
        let error: string | undefined;
        if ('error' in evaluation) {
          effect = 'deny';
          error = evaluation.error;
        } else if (evaluation.applies) {
          effect = compiled.rule.effect;
        } else continue;
        if (
          !best ||
          effectRank[effect] > effectRank[best.effect] ||
          (effect === best.effect && compiled.sortKey < best.compiled.sortKey)
        ) {
          best = { compiled, effect, error };
        }
      }
    };
    const index = byName.get(capability.name);
    if (index) {
      const keys =
        capability.scope === undefined
          ? undefined
          : requestIndexKeys(capability.kind, capability.scope);
      if (keys === undefined) consider(index.all);
      else {
        consider(index.always);
        for (const key of keys) consider(index.keyed.get(key));
      }
    }
    consider(everywhere);
    if (!best)
      return deny(
        `no rule allows ${capabilityText} for ${request.actor} (deny by default)`,
        undefined,
        capabilityText,
      );
    const { compiled, effect, error } = best;
    const described = compiled.rule.description ? ` (${compiled.rule.description})` : '';
    const reason = error
      ? `rule "${compiled.reference.id}" could not be evaluated, so ${capabilityText} is denied: ${error}`
      : effect === 'allow'
        ? `rule "${compiled.reference.id}" allows ${capabilityText}${described}`
        : effect === 'deny'
          ? `rule "${compiled.reference.id}" denies ${capabilityText}${described}`
          : `rule "${compiled.reference.id}" requires a signed approval for ${capabilityText}${described}`;
    return { effect, rule: compiled.reference, reason, capability: capabilityText };
  };

  return {
    specificationVersion: 'v1',
    rules,
    get safeModeActive() {
      return isSafeModeActive();
    },
    decide(request) {
      const decision = decideByRules(request);
      if (!isSafeModeActive()) return decision;
      if (decision.effect === 'deny') return decision;
      const { rule: _rule, ...rest } = decision;
      if (decision.effect === 'needs-approval') {
        return {
          ...rest,
          effect: 'deny',
          reason: `safe mode is on, so nothing waits for approval: ${decision.reason}`,
        };
      }
      const requested = requestedCapability(request, root);
      const kept = requested.ok
        ? safeAllow.find((entry) => capabilityCovers(entry, requested.value))
        : undefined;
      if (!kept) {
        return {
          ...rest,
          effect: 'deny',
          reason: `safe mode is on and ${decision.capability} is not among the reads it keeps`,
        };
      }
      return {
        ...decision,
        reason: `${decision.reason}; kept in safe mode by ${formatCapability(kept)}`,
      };
    },
  };
}

/** Alias of {@link createPolicy}, for readers who think of it as the decision engine. */
export const createPolicyEngine = createPolicy;

function nameOf(text: string): string | undefined {
  if (typeof text !== 'string') return undefined;
  const name = text.split(':', 1)[0]!.trim();
  return /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(name) ? name : undefined;
}
