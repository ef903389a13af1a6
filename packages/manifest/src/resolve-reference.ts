import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import {
  createDiagnostic,
  type Diagnostic,
  type DocumentPath,
  isWithin,
  type SourceDocument,
} from '@karnel/core';

/** What a reference must point at. */
export type ReferenceTarget = 'file' | 'directory';

/** The result of resolving a reference: the absolute path, or the diagnostic explaining why not. */
export type ReferenceResolution =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly diagnostic: Diagnostic };

/** Where a reference was written and what it must name. */
export interface ReferenceSite {
  /** The document the reference is written in. */
  readonly document: SourceDocument;
  /** The path of the reference inside the document, for the diagnostic's position. */
  readonly path: DocumentPath;
  /** Whether it must name a file or a directory. */
  readonly target: ReferenceTarget;
  /** What the reference is, for messages ("member file", "component \"memory\""). */
  readonly what: string;
}

/**
 * Resolves references written in the files of one directory tree. Same rules as core's
 * `resolveInside` (no absolute path, no `..` climbing out, no symlink leading out), plus an
 * existence and type check, with the root's real path computed once: a group of 100 agents has
 * several hundred references, and resolving the root's symlinks for each was most of the
 * validator's time.
 *
 * @internal
 */
export interface ReferenceResolver {
  /** Resolves `reference` against the root; problems come back as a diagnostic at the reference. */
  resolve(reference: string, site: ReferenceSite): Promise<ReferenceResolution>;
}

/** Creates a {@link ReferenceResolver} for references relative to `root`. @internal */
export function createReferenceResolver(root: string): ReferenceResolver {
  const absoluteRoot = resolve(root);
  const realDirectories = new Map<string, Promise<string | undefined>>();
  // The real path of a directory, computed once: most references share a parent
  // (members/, agents/, the agent's own folder).
  const realDirectory = (path: string) => {
    let real = realDirectories.get(path);
    if (!real) {
      real = realpath(path).catch(() => undefined);
      realDirectories.set(path, real);
    }
    return real;
  };
  return {
    async resolve(reference, { document, path, target, what }) {
      const at = { file: document.file, ...document.position(path) };
      const fail = (code: string, message: string): ReferenceResolution => ({
        ok: false,
        diagnostic: createDiagnostic({ ...at, code, message: `${what} ${message}` }),
      });
      if (isAbsolute(reference))
        return fail(
          'ref/escapes',
          `"${reference}" is absolute; references are relative to the directory`,
        );
      const candidate = resolve(absoluteRoot, reference);
      if (!isWithin(absoluteRoot, candidate))
        return fail('ref/escapes', `"${reference}" leaves the directory`);
      const notFound = () => fail('ref/not-found', `"${reference}" does not exist`);
      let real: string | undefined;
      let isDirectory: boolean;
      try {
        const link = await lstat(candidate);
        if (link.isSymbolicLink()) {
          real = await realpath(candidate);
          isDirectory = (await stat(real)).isDirectory();
        } else {
          // Not a link itself: its real path is its parent's real path plus its name.
          const parent = await realDirectory(dirname(candidate));
          real = parent === undefined ? undefined : join(parent, basename(candidate));
          isDirectory = link.isDirectory();
        }
      } catch {
        return notFound();
      }
      const realRoot = await realDirectory(absoluteRoot);
      if (real === undefined || realRoot === undefined) return notFound();
      if (!isWithin(realRoot, real))
        return fail('ref/escapes', `"${reference}" is a symlink that leads outside the directory`);
      if (target === 'directory' && !isDirectory)
        return fail('ref/not-a-directory', `"${reference}" is not a directory`);
      if (target === 'file' && isDirectory)
        return fail('ref/not-a-file', `"${reference}" is a directory, expected a file`);
      return { ok: true, path: candidate };
    },
  };
}
