import { z } from 'zod';
import { type Amount, formatAmount, parseAmount } from './amount';
import { normalizeScope } from './scope-match';

/**
 * How the scope of a capability is read and compared:
 * - `path`: a file path glob (`./workspace/**`, `/tmp/out/**`), picomatch syntax;
 * - `host`: a host name, `*.example.com` for its subdomains, `*` for any, optional `:port`;
 * - `command`: a command and leading arguments (`git`, `git status`, `npm run *`);
 * - `amount`: a money amount (`20.00`, `20.00 USD`), an upper bound;
 * - `generic`: any text, `*` matching any run of characters (secret names, environments…).
 */
export type ScopeKind = 'path' | 'host' | 'command' | 'amount' | 'generic';

/** One entry of {@link CAPABILITY_VOCABULARY}. */
export interface CapabilityDefinition {
  /** How the capability's scope is compared. */
  readonly kind: ScopeKind;
  /** What the capability allows, for people. */
  readonly description: string;
}

/**
 * The built-in capability vocabulary and how each one's scope is read. Names outside this table
 * are user-defined capabilities with `generic` scopes.
 */
export const CAPABILITY_VOCABULARY: Readonly<Record<string, CapabilityDefinition>> = {
  'fs.read': { kind: 'path', description: 'read files whose paths match the scope glob' },
  'fs.write': {
    kind: 'path',
    description: 'create, change or delete files whose paths match the scope glob',
  },
  net: { kind: 'host', description: 'open network connections to hosts matching the scope' },
  git: { kind: 'generic', description: 'run git operations (scope: the operation, e.g. push)' },
  'shell.exec': {
    kind: 'command',
    description: 'run commands whose leading words match the scope',
  },
  'messaging.send': {
    kind: 'generic',
    description: 'send messages outside the group (scope: channel or recipient)',
  },
  deploy: {
    kind: 'generic',
    description: 'deploy to live infrastructure (scope: the environment)',
  },
  'secrets.read': { kind: 'generic', description: 'read secrets whose names match the scope' },
  spend: { kind: 'amount', description: 'spend money, up to the scope amount per action' },
};

/** The names of {@link CAPABILITY_VOCABULARY}. */
export const BUILT_IN_CAPABILITY_NAMES: readonly string[] = Object.keys(CAPABILITY_VOCABULARY);

/** The name every capability matches in a rule: `*` (a rule for "anything"). */
export const ANY_CAPABILITY = '*';

/** A parsed capability: a name and an optional scope, normalised. */
export interface Capability {
  /** The capability name, e.g. `fs.read`, or `*` for any capability (rules only). */
  readonly name: string;
  /** How the scope is compared; `generic` for user-defined names. */
  readonly kind: ScopeKind;
  /**
   * The normalised scope; absent means the whole capability (every path, host, amount…).
   * For `amount` scopes this is the formatted amount (`20.00 USD`).
   */
  readonly scope?: string;
  /** The parsed amount of an `amount` scope. */
  readonly amount?: Amount;
}

/** The result of {@link parseCapability}: a capability or the reason the text is not one. */
export type ParseCapabilityResult =
  | {
      /** The text is a capability. */
      readonly ok: true;
      /** The parsed, normalised capability. */
      readonly value: Capability;
    }
  | {
      /** The text is not a capability. */
      readonly ok: false;
      /** Why, in one sentence. */
      readonly reason: string;
    };

type ParsedCapability =
  | { readonly ok: true; readonly value: Capability }
  | { readonly ok: false; readonly reason: string };

const namePattern = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;
const MAX_CAPABILITY_LENGTH = 2048;

/** The kind of scope a capability name uses (`generic` for user-defined names and `*`). */
export function scopeKindOf(name: string): ScopeKind {
  return CAPABILITY_VOCABULARY[name]?.kind ?? 'generic';
}

/**
 * Parses a capability string `<name>[:<scope>]` (`fs.read:./workspace/**`, `net:*.example.com`,
 * `spend:20.00 USD`, `deploy`). Never throws for user text: a malformed string returns the
 * reason, which callers turn into a diagnostic or a denial.
 */
export function parseCapability(text: string): ParseCapabilityResult {
  return parseCapabilityText(text);
}

function parseCapabilityText(text: string): ParsedCapability {
  if (typeof text !== 'string') return { ok: false, reason: 'a capability must be a string' };
  if (text.length > MAX_CAPABILITY_LENGTH) {
    return {
      ok: false,
      reason: `capability is ${text.length} characters, over the limit of ${MAX_CAPABILITY_LENGTH}`,
    };
  }
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  const rawScope = colon < 0 ? undefined : text.slice(colon + 1).trim();
  if (name !== ANY_CAPABILITY && !namePattern.test(name)) {
    return {
      ok: false,
      reason: `"${name}" is not a capability name (lower case words separated by dots, e.g. fs.read or publish)`,
    };
  }
  if (name === ANY_CAPABILITY && rawScope !== undefined) {
    return { ok: false, reason: 'the capability "*" (any capability) cannot have a scope' };
  }
  const kind = scopeKindOf(name);
  if (rawScope === undefined) return { ok: true, value: { name, kind } };
  if (rawScope === '') return { ok: false, reason: `"${text}" has an empty scope after ":"` };
  if (kind === 'amount') {
    const amount = parseAmount(rawScope);
    if (!amount.ok) return { ok: false, reason: amount.message };
    return {
      ok: true,
      value: { name, kind, scope: formatAmount(amount.value), amount: amount.value },
    };
  }
  const scope = normalizeScope(kind, rawScope);
  if (!scope.ok) return { ok: false, reason: `${name}: ${scope.reason}` };
  return { ok: true, value: { name, kind, scope: scope.value } };
}

/** Formats a capability back into its `<name>[:<scope>]` text (normalised). */
export function formatCapability(capability: Capability): string {
  return capability.scope === undefined
    ? capability.name
    : `${capability.name}:${capability.scope}`;
}

/**
 * A zod schema for a capability string in a user's file. Malformed strings fail with the
 * diagnostic code `capability/invalid`; the output is the normalised string.
 */
export const capabilitySchema = z.string().transform((text, context) => {
  const parsed = parseCapability(text);
  if (!parsed.ok) {
    context.addIssue({
      code: 'custom',
      message: parsed.reason,
      params: { diagnosticCode: 'capability/invalid' },
    });
    return z.NEVER;
  }
  return formatCapability(parsed.value);
});

/** A normalised capability string, as produced by {@link capabilitySchema}. */
export type CapabilityString = z.infer<typeof capabilitySchema>;
