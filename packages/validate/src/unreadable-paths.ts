import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createDiagnostic, type Diagnostic } from '@karnel/core';

/** Options of {@link findUnreadablePaths}. */
export interface FindUnreadablePathsOptions {
  /** The folder as shown in diagnostics. Default: `dir` as given. */
  displayPath?: string;
  /** At most this many files and folders are looked at, so a huge ledger costs little. Default 20,000. */
  limit?: number;
}

/** The errno codes that mean "this user may not read it". */
const deniedCodes = new Set(['EACCES', 'EPERM']);

/**
 * The diagnostic for a path that exists but cannot be read: an `fs/unreadable` error at the
 * path, so a folder or file that permissions hide is reported instead of silently skipped.
 *
 * @param file - The path as shown in diagnostics.
 * @param code - The errno code (`EACCES`, `EPERM`).
 */
export function unreadableDiagnostic(file: string, code: string): Diagnostic {
  return createDiagnostic({
    file,
    code: 'fs/unreadable',
    message: `cannot read ${file}: permission denied (${code}); fix its permissions so the validator can check it`,
  });
}

/** A file-system error saying the user may not read or write a path. */
export interface PermissionError extends Error {
  /** `EACCES` or `EPERM`. */
  readonly code: string;
  /** The path that was refused. */
  readonly path: string;
}

/** Whether `error` is a file-system error meaning the path may not be read. */
export function isPermissionError(error: unknown): error is PermissionError {
  const candidate = error as NodeJS.ErrnoException | undefined;
  return (
    candidate instanceof Error &&
    typeof candidate.code === 'string' &&
    deniedCodes.has(candidate.code) &&
    typeof candidate.path === 'string'
  );
}

/**
 * Walks `dir` and returns an `fs/unreadable` error for every folder that cannot be listed and
 * every file that cannot be read. Symbolic links are not followed. A `dir` that does not
 * exist gives no diagnostic (whether it must exist is the manifest check's question).
 */
export async function findUnreadablePaths(
  dir: string,
  { displayPath = dir, limit = 20_000 }: FindUnreadablePathsOptions = {},
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const shown = (path: string) => join(displayPath, relative(dir, path));
  let budget = limit;
  const pending = [dir];
  while (pending.length > 0 && budget > 0) {
    const folder = pending.pop()!;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
      // Listing needs read; entering needs execute: check both.
      await access(folder, constants.R_OK | constants.X_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== undefined && deniedCodes.has(code))
        diagnostics.push(unreadableDiagnostic(shown(folder), code));
      continue;
    }
    for (const entry of entries) {
      if (--budget <= 0) break;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) {
        try {
          await access(path, constants.R_OK);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== undefined && deniedCodes.has(code))
            diagnostics.push(unreadableDiagnostic(shown(path), code));
        }
      }
    }
  }
  return diagnostics;
}
