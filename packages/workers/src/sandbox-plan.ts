import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { isWithin } from '@karnel/core';
import type { SkillExecution, SkillRuntime } from '@karnel/skills';
import { WrongRuntimeError } from './errors';
import type { CapabilityRequest, CheckSource } from './policy-gate';
import type { RunnableSkill, WorkerRunOptions } from './worker';

/** One path the sandbox exposes, resolved. */
export interface ScopePath {
  /** The absolute path as requested (the static base of a glob). */
  readonly path: string;
  /** The path with symlinks resolved, when it exists; what bind mounts and permission flags use. */
  readonly real: string;
  /** Whether it exists now. */
  readonly exists: boolean;
  /** Whether it is a folder (or does not exist yet, and so may become one). */
  readonly folder: boolean;
  /** Where it was asked for. */
  readonly source: CheckSource;
}

/** Everything a subprocess worker needs to set a run up, computed before any check. */
export interface SandboxPlan {
  /** The skill's name. */
  readonly skillName: string;
  /** The resolved execution section. */
  readonly execution: SkillExecution;
  /** The skill folder with symlinks resolved. */
  readonly skillDir: string;
  /** The actor policy is asked about. */
  readonly actor: string;
  /** Paths the skill may read (read-only). */
  readonly read: readonly ScopePath[];
  /** Paths the skill may read and write. */
  readonly write: readonly ScopePath[];
  /** Every capability the run needs, in the order they are checked. */
  readonly requests: readonly CapabilityRequest[];
}

const globCharacters = /[*?[\]{}!]/;

/**
 * The static base of a glob: the leading segments without glob characters (`data/*.csv` →
 * `data`). Enforcement below policy works on whole files and folders, so a glob grants its
 * base; the capability checked is the base's, so policy is asked about exactly what is granted.
 */
export function globBase(pattern: string): string {
  const segments = pattern.split('/');
  const kept: string[] = [];
  for (const segment of segments) {
    if (globCharacters.test(segment)) break;
    kept.push(segment);
  }
  const base = kept.join('/');
  if (base === '' && pattern.startsWith('/')) return '/';
  return base === '' ? '.' : base;
}

async function resolveScope(base: string, entry: string, source: CheckSource): Promise<ScopePath> {
  const path = resolve(base, globBase(entry));
  try {
    const real = await realpath(path);
    const info = await stat(real);
    return { path, real, exists: true, folder: info.isDirectory(), source };
  } catch {
    return { path, real: path, exists: false, folder: true, source };
  }
}

function scopeCapability(name: 'fs.read' | 'fs.write', scope: ScopePath): string {
  if (!scope.folder) return `${name}:${scope.path}`;
  return `${name}:${scope.path === '/' ? '' : scope.path}/**`;
}

function resolveDeclaredCapability(capability: string, skillDir: string): string {
  const match = /^(fs\.read|fs\.write):(.+)$/.exec(capability);
  if (!match || isAbsolute(match[2]!)) return capability;
  return `${match[1]}:${resolve(skillDir, match[2]!)}`;
}

/**
 * Checks that `skill` is for `runtime` and computes what the run exposes and which capabilities
 * it needs. Throws {@link WrongRuntimeError} for a skill of another runtime.
 */
export async function planSandbox(
  skill: RunnableSkill,
  runtime: SkillRuntime,
  options: WorkerRunOptions,
): Promise<SandboxPlan> {
  const execution = skill.execution;
  if (!execution || execution.runtime !== runtime) {
    throw new WrongRuntimeError({
      skill: skill.name,
      expected: runtime,
      actual: execution?.runtime,
    });
  }
  const skillDir = await realpath(skill.dir);
  const requests: CapabilityRequest[] = [];
  for (const capability of execution.capabilities_required) {
    requests.push({
      capability: resolveDeclaredCapability(capability, skill.dir),
      source: 'declared',
    });
  }
  if (
    execution.sandbox.network === 'enabled' &&
    !execution.capabilities_required.some(
      (capability) => capability === 'net' || capability.startsWith('net:'),
    )
  ) {
    requests.push({ capability: 'net', source: 'network' });
  }
  const read: ScopePath[] = [];
  const write: ScopePath[] = [];
  for (const entry of execution.sandbox.filesystem?.read ?? []) {
    read.push(await resolveScope(skill.dir, entry, 'sandbox-filesystem'));
  }
  for (const entry of execution.sandbox.filesystem?.write ?? []) {
    write.push(await resolveScope(skill.dir, entry, 'sandbox-filesystem'));
  }
  const cwd = options.cwd ?? process.cwd();
  for (const entry of options.filesystem?.read ?? [])
    read.push(await resolveScope(cwd, entry, 'run-filesystem'));
  for (const entry of options.filesystem?.write ?? [])
    write.push(await resolveScope(cwd, entry, 'run-filesystem'));
  for (const scope of read)
    requests.push({ capability: scopeCapability('fs.read', scope), source: scope.source });
  for (const scope of write)
    requests.push({ capability: scopeCapability('fs.write', scope), source: scope.source });
  for (const name of options.secrets ?? [])
    requests.push({ capability: `secrets.read:${name}`, source: 'secret' });
  return {
    skillName: skill.name,
    execution,
    skillDir,
    actor: options.actor ?? `skill:${skill.name}`,
    read,
    write,
    requests,
  };
}

/** The result of {@link findEscapingSymlinks}. */
export interface SymlinkScan {
  /** Symlinks whose targets lie outside every allowed root, as `link -> target`. */
  readonly escaping: readonly string[];
  /** Whether the scan stopped early at its entry limit (the scope is then not verified). */
  readonly truncated: boolean;
}

/**
 * Walks `roots` and lists the symlinks whose resolved target lies outside all of `allowed`.
 *
 * Node's permission model follows symlinks wherever they lead, and a Python audit hook sees
 * paths before the kernel resolves them; without bubblewrap's mount namespace, a link planted in
 * a scope would let a skill read outside it. A skill cannot create links under the permission
 * model or the audit hook, so checking before the run closes the gap for links that already
 * exist (hard links excepted: see spec/workers.md).
 */
export async function findEscapingSymlinks(
  roots: readonly string[],
  allowed: readonly string[],
  { limit = 20_000 }: { limit?: number } = {},
): Promise<SymlinkScan> {
  const escaping: string[] = [];
  let visited = 0;
  const inside = (path: string) => allowed.some((root) => isWithin(root, path));
  const visit = async (path: string): Promise<boolean> => {
    if (++visited > limit) return false;
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(path);
    } catch {
      return true;
    }
    if (info.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(path);
      } catch {
        // A dangling link: resolve its text lexically, so a link to a file that will exist
        // outside later is still caught.
        target = resolve(dirname(path), await readlink(path).catch(() => '.'));
      }
      if (!inside(target)) escaping.push(`${path} -> ${target}`);
      return true;
    }
    if (!info.isDirectory()) return true;
    let names: string[];
    try {
      names = await readdir(path);
    } catch {
      return true;
    }
    for (const name of names) {
      if (!(await visit(join(path, name)))) return false;
    }
    return true;
  };
  for (const root of roots) {
    if (!(await visit(root.endsWith(sep) && root.length > 1 ? root.slice(0, -1) : root))) {
      return { escaping, truncated: true };
    }
  }
  return { escaping, truncated: false };
}
