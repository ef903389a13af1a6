import { stat } from 'node:fs/promises';
import {
  createDiagnostic,
  type Diagnostic,
  type DocumentPath,
  resolveInside,
  type SourceDocument,
} from '@karnel/core';

/** What a reference must point at. */
export type ReferenceTarget = 'file' | 'directory';

/** The result of {@link resolveReference}: the absolute path, or the diagnostic explaining why not. */
export type ReferenceResolution =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly diagnostic: Diagnostic };

/**
 * Resolves a path written at `path` in `document` against `root`, and checks that it stays
 * inside `root` (no absolute path, no `..` climbing out, no symlink leading out) and that it
 * names an existing file or directory. Problems come back as a diagnostic at the reference.
 *
 * @internal
 */
export async function resolveReference(
  root: string,
  reference: string,
  {
    document,
    path,
    target,
    what,
  }: { document: SourceDocument; path: DocumentPath; target: ReferenceTarget; what: string },
): Promise<ReferenceResolution> {
  const at = { file: document.file, ...document.position(path) };
  const resolved = await resolveInside(root, reference);
  if (!resolved.ok) {
    return {
      ok: false,
      diagnostic: createDiagnostic({
        ...at,
        code: 'ref/escapes',
        message: `${what} ${resolved.message}`,
        hint: 'references are relative to the directory and must stay inside it',
      }),
    };
  }
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(resolved.path)).isDirectory();
  } catch {
    return {
      ok: false,
      diagnostic: createDiagnostic({
        ...at,
        code: 'ref/not-found',
        message: `${what} "${reference}" does not exist`,
      }),
    };
  }
  if (target === 'directory' && !isDirectory) {
    return {
      ok: false,
      diagnostic: createDiagnostic({
        ...at,
        code: 'ref/not-a-directory',
        message: `${what} "${reference}" is not a directory`,
      }),
    };
  }
  if (target === 'file' && isDirectory) {
    return {
      ok: false,
      diagnostic: createDiagnostic({
        ...at,
        code: 'ref/not-a-file',
        message: `${what} "${reference}" is a directory, expected a file`,
      }),
    };
  }
  return { ok: true, path: resolved.path };
}
