import type { Dirent } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createDiagnostic, type Diagnostic, isWithin } from '@karnel/core';

/** Options of {@link findEscapingSymlinks}. */
export interface FindEscapingSymlinksOptions {
  /** The folder as shown in diagnostics. Default: `dir` as given. */
  displayPath?: string;
  /** At most this many files and folders are looked at, so a huge ledger costs little. Default 20,000. */
  limit?: number;
}

// The skills package does not follow a link out of a skills folder and warns about it itself;
// `.karnel/` is machine-local state that is never validated.
const skipped = new Set(['skills', '.karnel']);

/**
 * Walks `dir` and returns an `fs/symlink-escapes` error for every symbolic link in it that leads
 * outside `dir`: a group (or agent) file that is a link to `~/.env` or `/etc/passwd` would
 * otherwise be read, quoted in diagnostics and handed to a model. Links are not followed while
 * walking; a link that stays inside `dir`, or points nowhere, gives no diagnostic here.
 */
export async function findEscapingSymlinks(
  dir: string,
  { displayPath = dir, limit = 20_000 }: FindEscapingSymlinksOptions = {},
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    return diagnostics;
  }
  let budget = limit;
  const pending = [dir];
  while (pending.length > 0 && budget > 0) {
    const folder = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      continue; // unreadable folders are findUnreadablePaths' to report
    }
    for (const entry of entries) {
      if (--budget <= 0) break;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skipped.has(entry.name)) pending.push(path);
        continue;
      }
      if (!entry.isSymbolicLink()) continue;
      let target: string;
      try {
        target = await realpath(path);
      } catch {
        continue; // a dangling link: the check that needs the file reports it missing
      }
      if (isWithin(root, target)) continue;
      const shown = join(displayPath, relative(dir, path)).split(sep).join('/');
      diagnostics.push(
        createDiagnostic({
          file: shown,
          code: 'fs/symlink-escapes',
          message: `${shown} is a symlink that leads outside the directory; it is not read (copy the file into the directory instead)`,
        }),
      );
    }
  }
  return diagnostics;
}
