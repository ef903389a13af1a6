import { stat } from 'node:fs/promises';

/**
 * What {@link pathKind} found at a path: a `folder`, a regular `file`, something `other` (a
 * socket, a FIFO, a device), nothing (`missing`), or an entry the process may not examine
 * (`unreadable`: a permission error or any other failure of `stat`).
 */
export type PathKind = 'folder' | 'file' | 'other' | 'missing' | 'unreadable';

/**
 * Tells what is at `path`, following symbolic links, without throwing. `missing` covers both
 * "no such entry" and "a parent is not a folder", so a typed path that does not exist is told
 * apart from one that exists but cannot be read — which callers must report, never treat as
 * absent.
 *
 * @example
 * ```ts
 * if ((await pathKind('group/manifest.yaml')) === 'file') … // a manifest to read
 * ```
 */
export async function pathKind(path: string): Promise<PathKind> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'folder' : info.isFile() ? 'file' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
  }
}
