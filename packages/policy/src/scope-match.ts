import { posix } from 'node:path';
import picomatch from 'picomatch';
import type { Amount } from './amount';
import type { ScopeKind } from './capability';

/** The result of {@link normalizeScope}. */
export type NormalizeScopeResult = { ok: true; value: string } | { ok: false; reason: string };

const controlCharacters = /[\u0000-\u001f\u007f]/;
const hostPattern =
  /^(\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)(:(\d{1,5}))?$/;
const shellMetacharacters = /[;&|`$<>(){}\\'"*?[\]~!#]/;

/**
 * Normalises the scope text of a non-amount capability so that equal scopes compare equal:
 * paths lose `./` and trailing slashes, hosts are lower-cased, command words are single-spaced.
 */
export function normalizeScope(
  kind: Exclude<ScopeKind, 'amount'>,
  raw: string,
): NormalizeScopeResult {
  if (controlCharacters.test(raw))
    return { ok: false, reason: 'scope contains control characters' };
  switch (kind) {
    case 'path': {
      if (raw.startsWith('!')) {
        return {
          ok: false,
          reason: `"${raw}": negated globs are not supported; write a deny rule instead`,
        };
      }
      let path = posix.normalize(raw);
      if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
      return { ok: true, value: path };
    }
    case 'host': {
      const host = raw.toLowerCase();
      const match = hostPattern.exec(host);
      if (!match) {
        return {
          ok: false,
          reason: `"${raw}" is not a host (e.g. api.github.com, *.example.com or *)`,
        };
      }
      if (match[7] !== undefined && Number(match[7]) > 65535)
        return { ok: false, reason: `"${raw}": port out of range` };
      return { ok: true, value: host };
    }
    case 'command':
      return { ok: true, value: raw.trim().split(/\s+/).join(' ') };
    case 'generic':
      return { ok: true, value: raw };
  }
}

// ---------------------------------------------------------------------------------------------
// Compiled matchers are cached: a policy of a thousand rules compiles each pattern once.

const MATCHER_CACHE_LIMIT = 20_000;

/** A bounded memo keyed by the pattern string itself (V8 caches a string's hash on it). */
function memo<T>(compute: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      if (cache.size >= MATCHER_CACHE_LIMIT) cache.clear();
      value = compute(key);
      cache.set(key, value);
    }
    return value;
  };
}

// ---------------------------------------------------------------------------------------------
// Paths

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/');
}

/** picomatch's scan of a pattern, cached: the same request is compared with many rules. */
const scan = memo((pattern) => picomatch.scan(pattern));
const pathMatcher = memo((pattern) => picomatch(pattern, { dot: true }));

function isGlobPath(path: string): boolean {
  return scan(path).isGlob;
}

/** The literal leading folders of a glob, as segments (`ws/a/*.md` → `['ws', 'a']`). */
function literalSegments(pattern: string): string[] {
  const scanned = scan(pattern);
  const base = scanned.isGlob ? scanned.base : pattern;
  return base.split('/').filter((segment) => segment !== '' && segment !== '.');
}

function startsWithSegments(segments: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > segments.length) return false;
  return prefix.every((segment, index) => segments[index] === segment);
}

function pathMatches(pattern: string, path: string): boolean {
  if (isAbsolutePath(pattern) !== isAbsolutePath(path)) return false;
  if (path === '..' || path.startsWith('../')) return false;
  return pathMatcher(pattern)(path);
}

function pathContains(granted: string, requested: string): boolean {
  if (granted === requested) return true;
  if (isAbsolutePath(granted) !== isAbsolutePath(requested)) return false;
  if (!isGlobPath(requested)) return pathMatches(granted, requested);
  // A granted `<literal folders>/**` contains every pattern rooted at or below those folders.
  const scanned = scan(granted);
  if (scanned.isGlob && scanned.glob === '**' && !scanned.negated) {
    return startsWithSegments(literalSegments(requested), literalSegments(granted));
  }
  return false;
}

function pathOverlaps(pattern: string, requested: string): boolean {
  if (isAbsolutePath(pattern) !== isAbsolutePath(requested)) return false;
  if (!isGlobPath(requested)) return pathMatches(pattern, requested);
  const a = literalSegments(pattern);
  const b = literalSegments(requested);
  return startsWithSegments(a, b) || startsWithSegments(b, a);
}

// ---------------------------------------------------------------------------------------------
// Hosts

interface HostParts {
  host: string;
  port?: string;
}

const splitHost = memo((text): HostParts => {
  const colon = text.lastIndexOf(':');
  return colon < 0 ? { host: text } : { host: text.slice(0, colon), port: text.slice(colon + 1) };
});

function hostNameMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.'))
    return host.length > pattern.length - 1 && host.endsWith(pattern.slice(1));
  return pattern === host;
}

function hostContains(granted: string, requested: string): boolean {
  const g = splitHost(granted);
  const r = splitHost(requested);
  if (g.port !== undefined && g.port !== r.port) return false;
  if (g.host === '*') return true;
  if (r.host === '*') return false;
  if (r.host.startsWith('*.')) {
    return g.host.startsWith('*.') && r.host.slice(1).endsWith(g.host.slice(1));
  }
  return hostNameMatches(g.host, r.host);
}

function hostOverlaps(pattern: string, requested: string): boolean {
  const p = splitHost(pattern);
  const r = splitHost(requested);
  if (p.port !== undefined && r.port !== undefined && p.port !== r.port) return false;
  if (p.port !== undefined && r.port === undefined && !r.host.includes('*')) return false;
  if (p.host === '*' || r.host === '*') return true;
  if (!r.host.startsWith('*.')) return hostNameMatches(p.host, r.host);
  if (!p.host.startsWith('*.')) return hostNameMatches(r.host, p.host);
  return p.host.endsWith(r.host.slice(1)) || r.host.endsWith(p.host.slice(1));
}

// ---------------------------------------------------------------------------------------------
// Commands: compared word by word; `*` in a pattern stands for one word.

const commandWords = memo((command) => command.split(' '));
const commandHasShellSyntax = memo((command) =>
  hasShellSyntax(command.replace(/(^| )\*( |$)/g, '$1$2')),
);

/**
 * Whether a command line contains shell syntax (`;`, `|`, `$(…)`, quotes, globs…). Such a line
 * can run more than its first words say, so only an unscoped `shell.exec` covers it.
 */
export function hasShellSyntax(command: string): boolean {
  return shellMetacharacters.test(command);
}

function commandContains(granted: string, requested: string): boolean {
  if (commandHasShellSyntax(requested)) return false;
  const g = commandWords(granted);
  const r = commandWords(requested);
  if (g.length > r.length) return false;
  return g.every((word, index) => word === r[index] || (word === '*' && r[index] !== undefined));
}

function commandOverlaps(pattern: string, requested: string): boolean {
  if (commandHasShellSyntax(requested)) return true;
  const p = commandWords(pattern);
  const r = commandWords(requested);
  if (p.length > r.length && !r.includes('*')) return false;
  const common = Math.min(p.length, r.length);
  for (let index = 0; index < common; index++) {
    if (p[index] !== '*' && r[index] !== '*' && p[index] !== r[index]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Generic text: `*` matches any run of characters.

const wildcardRegex = memo((pattern) => {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
});

function wildcardMatches(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text;
  return wildcardRegex(pattern).test(text);
}

function genericContains(granted: string, requested: string): boolean {
  if (granted === '*' || granted === requested) return true;
  if (!requested.includes('*')) return wildcardMatches(granted, requested);
  const star = granted.indexOf('*');
  if (star === granted.length - 1) return requested.startsWith(granted.slice(0, -1));
  return false;
}

function genericOverlaps(pattern: string, requested: string): boolean {
  if (!requested.includes('*')) return wildcardMatches(pattern, requested);
  if (!pattern.includes('*')) return wildcardMatches(requested, pattern);
  const prefixA = pattern.slice(0, pattern.indexOf('*'));
  const prefixB = requested.slice(0, requested.indexOf('*'));
  const suffixA = pattern.slice(pattern.lastIndexOf('*') + 1);
  const suffixB = requested.slice(requested.lastIndexOf('*') + 1);
  const prefixesAgree = prefixA.startsWith(prefixB) || prefixB.startsWith(prefixA);
  const suffixesAgree = suffixA.endsWith(suffixB) || suffixB.endsWith(suffixA);
  return prefixesAgree && suffixesAgree;
}

// ---------------------------------------------------------------------------------------------

/**
 * Whether every concrete action within `requested` is also within `granted` (both normalised
 * scopes of the same kind). Conservative: when containment of two patterns cannot be shown
 * cheaply, the answer is `false`, so a delegation can only ever be refused, never widened.
 */
export function scopeContains(kind: ScopeKind, granted: string, requested: string): boolean {
  switch (kind) {
    case 'path':
      return pathContains(granted, requested);
    case 'host':
      return hostContains(granted, requested);
    case 'command':
      return commandContains(granted, requested);
    case 'generic':
      return genericContains(granted, requested);
    case 'amount':
      return false; // amounts are compared by amountContains
  }
}

/**
 * Whether `pattern` and `requested` may share a concrete action. Over-approximates when the
 * request is itself a pattern, so deny and approval rules err on the side of applying.
 */
export function scopeOverlaps(kind: ScopeKind, pattern: string, requested: string): boolean {
  switch (kind) {
    case 'path':
      return pathOverlaps(pattern, requested);
    case 'host':
      return hostOverlaps(pattern, requested);
    case 'command':
      return commandOverlaps(pattern, requested);
    case 'generic':
      return genericOverlaps(pattern, requested);
    case 'amount':
      return false;
  }
}

/** Whether the amount `requested` is within the bound `granted` (same currency, not more). */
export function amountContains(granted: Amount, requested: Amount): boolean {
  return granted.currency === requested.currency && requested.units <= granted.units;
}

/**
 * The keys under which a rule with this scope is filed in a policy's index, or `undefined` when
 * it must be checked against every request of its capability. A literal request is only ever
 * matched by rules filed under one of {@link requestIndexKeys}.
 */
export function ruleIndexKey(kind: ScopeKind, scope: string): string | undefined {
  switch (kind) {
    case 'path': {
      const segments = literalSegments(scope);
      return `${isAbsolutePath(scope) ? '/' : ''}${segments.join('/')}`;
    }
    case 'host': {
      const { host } = splitHost(scope);
      if (host === '*') return undefined;
      return host.startsWith('*.') ? host.slice(2) : host;
    }
    case 'command': {
      const first = commandWords(scope)[0]!;
      return first === '*' ? undefined : first;
    }
    case 'generic': {
      const star = scope.indexOf('*');
      return star < 0 ? `L:${scope}` : `P:${scope.slice(0, star)}`;
    }
    case 'amount':
      return undefined;
  }
}

/**
 * The index keys to look up for a requested scope, or `undefined` when the request is itself
 * a pattern (or shell syntax) and every rule of its capability must be checked.
 */
export function requestIndexKeys(kind: ScopeKind, scope: string): string[] | undefined {
  switch (kind) {
    case 'path': {
      if (isGlobPath(scope)) return undefined;
      const absolute = isAbsolutePath(scope);
      const segments = scope.split('/').filter((segment) => segment !== '' && segment !== '.');
      const keys = [absolute ? '/' : ''];
      for (let index = 1; index <= segments.length; index++)
        keys.push(`${absolute ? '/' : ''}${segments.slice(0, index).join('/')}`);
      return keys;
    }
    case 'host': {
      const { host } = splitHost(scope);
      if (host.includes('*')) return undefined;
      const labels = host.split('.');
      return labels.map((_, index) => labels.slice(index).join('.'));
    }
    case 'command': {
      if (commandHasShellSyntax(scope) || scope.includes('*')) return undefined;
      return [commandWords(scope)[0]!];
    }
    case 'generic': {
      if (scope.includes('*')) return undefined;
      const keys = [`L:${scope}`];
      for (let length = 0; length <= scope.length; length++)
        keys.push(`P:${scope.slice(0, length)}`);
      return keys;
    }
    case 'amount':
      return undefined;
  }
}
