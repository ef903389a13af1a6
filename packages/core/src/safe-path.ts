import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** The result of {@link resolveInside}. */
export type ResolvedPath = ResolvedInside | ResolvedOutside;

/** A reference that stays inside the root. */
export interface ResolvedInside {
  /** Always `true`. */
  readonly ok: true;
  /** The absolute path (lexical, not symlink-resolved). */
  readonly path: string;
  /** Whether something exists at that path. */
  readonly exists: boolean;
}

/** A reference that was refused, and why. */
export interface ResolvedOutside {
  /** Always `false`. */
  readonly ok: false;
  /** Which rule refused it. */
  readonly reason: 'absolute' | 'escapes' | 'symlink-escapes';
  /** A sentence for a diagnostic. */
  readonly message: string;
}

/**
 * Resolves `reference` (as written in a user's file) against `root`, refusing anything that
 * would leave `root`: absolute paths, `..` segments that climb out, and symlinks whose target is
 * outside. Both lexical and real (symlink-resolved) paths are checked. A path that does not
 * exist yet is accepted if its lexical form stays inside (`exists: false`).
 */
export async function resolveInside(root: string, reference: string): Promise<ResolvedPath> {
  if (isAbsolute(reference)) {
    return {
      ok: false,
      reason: 'absolute',
      message: `"${reference}" is absolute; references must be relative to the directory`,
    };
  }
  const absoluteRoot = resolve(root);
  const candidate = resolve(absoluteRoot, reference);
  if (!isWithin(absoluteRoot, candidate)) {
    return { ok: false, reason: 'escapes', message: `"${reference}" leaves the directory` };
  }
  let realRoot: string;
  try {
    realRoot = await realpath(absoluteRoot);
  } catch {
    return { ok: true, path: candidate, exists: false };
  }
  try {
    const realCandidate = await realpath(candidate);
    if (!isWithin(realRoot, realCandidate)) {
      return {
        ok: false,
        reason: 'symlink-escapes',
        message: `"${reference}" is a symlink that leads outside the directory`,
      };
    }
    return { ok: true, path: candidate, exists: true };
  } catch {
    return { ok: true, path: candidate, exists: false };
  }
}

/** Whether `child` is `parent` or inside it (both absolute, normalised). */
export function isWithin(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith(`..${sep}`) && path !== '..' && !isAbsolute(path));
}
