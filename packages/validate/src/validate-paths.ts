import { join, relative, resolve } from 'node:path';
import { createDiagnostic, type Diagnostic, hasErrors, sortDiagnostics } from '@karnel/core';
import { validateDirectory } from '@karnel/manifest';
import type { DirectoryCheck, ValidationTarget } from './directory-check';
import { directoryChecks } from './directory-checks';
import { findEscapingSymlinks } from './escaping-symlinks';
import { createTiersCheck, type TiersCheckOptions, tiersCheck } from './tiers-check';
import { findUnreadablePaths, isPermissionError, unreadableDiagnostic } from './unreadable-paths';

/** Options of {@link validatePaths}. */
export interface ValidatePathsOptions {
  /** The directory relative paths are resolved against. Default: `process.cwd()`. */
  cwd?: string;
  /** The checks run on each target after manifest validation. Default: {@link directoryChecks}. */
  checks?: readonly DirectoryCheck[];
  /**
   * Also check against this machine (`karnel validate --profile`): the default checks run with
   * `tiersCheck` replaced by `createTiersCheck({ profile: true, ...options })`, which warns
   * `tiers/unresolvable` for each tier a manifest asks for that resolves to no model here.
   * Ignored when `checks` is given.
   */
  profile?: boolean | Omit<TiersCheckOptions, 'profile'>;
}

/** The result of {@link validatePaths}. */
export interface PathsValidation {
  /** Every diagnostic, sorted by file, line and column, without duplicates. */
  readonly diagnostics: readonly Diagnostic[];
  /** Every directory checked: each path given, and each native member agent of a group. */
  readonly targets: readonly ValidationTarget[];
  /** Whether no diagnostic is an error. */
  readonly valid: boolean;
}

/**
 * Validates agent and group directories the way `karnel validate` does, without spawning it:
 * the manifests (via `@karnel/manifest`), then every {@link DirectoryCheck} on every target,
 * including each native member agent directory of a group. Never throws for the directories'
 * content; a check that throws becomes a `check/crashed` error diagnostic.
 *
 * A directory holding a symbolic link that leads outside it gets an `fs/symlink-escapes` error
 * at the link, and no check reads anything of it.
 *
 * @param paths - Agent or group directories (or their `manifest.yaml`), as the user wrote them.
 */
export async function validatePaths(
  paths: readonly string[],
  { cwd = process.cwd(), profile, checks = profiledChecks(profile) }: ValidatePathsOptions = {},
): Promise<PathsValidation> {
  const diagnostics: Diagnostic[] = [];
  const targets: ValidationTarget[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    const result = await validateDirectory(resolve(cwd, path), { displayPath: path });
    diagnostics.push(...result.diagnostics);
    if (result.kind === undefined || seen.has(`${result.kind}:${result.dir}`)) continue;
    seen.add(`${result.kind}:${result.dir}`);
    if (result.kind === 'agent') {
      targets.push({
        kind: 'agent',
        dir: result.dir,
        display: result.displayPath,
        roles: [],
        components: result.components,
      });
      continue;
    }
    targets.push({
      kind: 'group',
      dir: result.dir,
      display: result.displayPath,
      roles: result.roles,
      components: result.components,
      coordinationRef: result.coordinationRef,
    });
    for (const agent of result.agents) {
      if (seen.has(`agent:${agent.dir}`)) continue;
      seen.add(`agent:${agent.dir}`);
      targets.push({
        kind: 'agent',
        dir: agent.dir,
        display: agent.displayPath,
        roles: [],
        components: agent.components,
        groupDir: result.dir,
      });
    }
  }
  const checked: ValidationTarget[] = [];
  for (const target of targets) {
    // A link out of the directory is an error at the link, and nothing in the target is read:
    // the checks would quote what it points at.
    const escapes = await findEscapingSymlinks(target.dir, { displayPath: target.display });
    diagnostics.push(...escapes);
    if (escapes.length > 0) continue;
    // Permissions that hide a folder or file are errors at that path, never a silent skip; a
    // component folder that cannot be listed is left out of the checks that would read it.
    const components: Record<string, string> = {};
    for (const [name, dir] of Object.entries(target.components)) {
      const unreadable = await findUnreadablePaths(dir, { displayPath: displayOf(target, dir) });
      diagnostics.push(...unreadable);
      if (!unreadable.some((diagnostic) => diagnostic.file === displayOf(target, dir)))
        components[name] = dir;
    }
    checked.push({ ...target, components });
  }
  for (const target of checked) {
    for (const check of checks) {
      try {
        diagnostics.push(...(await check(target)));
      } catch (error) {
        diagnostics.push(crashDiagnostic(target, error));
      }
    }
  }
  const unique = dedupe(sortDiagnostics(diagnostics));
  return { diagnostics: unique, targets, valid: !hasErrors(unique) };
}

function profiledChecks(profile: ValidatePathsOptions['profile']): readonly DirectoryCheck[] {
  if (!profile) return directoryChecks;
  const profiled = createTiersCheck({ ...(profile === true ? {} : profile), profile: true });
  return directoryChecks.map((check) => (check === tiersCheck ? profiled : check));
}

function displayOf(target: ValidationTarget, path: string): string {
  return join(target.display, relative(target.dir, path));
}

/** A check that threw: unreadable paths are the user's to fix; anything else is a bug. */
function crashDiagnostic(target: ValidationTarget, error: unknown): Diagnostic {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (isPermissionError(current))
      return unreadableDiagnostic(displayOf(target, current.path), current.code);
    current = current.cause;
  }
  return createDiagnostic({
    file: target.display,
    code: 'check/crashed',
    message: `a directory check failed unexpectedly (${error instanceof Error ? error.message : String(error)}); this is a bug in Karnel`,
  });
}

function dedupe(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    const key = `${diagnostic.file}\0${diagnostic.line}\0${diagnostic.column}\0${diagnostic.code}\0${diagnostic.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
