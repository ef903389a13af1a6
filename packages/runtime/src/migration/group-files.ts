import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationError } from './migration-error';

/** One file of a group directory, as a hand-off record and a bundle manifest list it. */
export interface GroupFile {
  /** Path relative to the group directory, `/`-separated. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** SHA-256 of the bytes, lowercase hex. */
  readonly sha256: string;
}

/** What {@link listGroupPaths} found: files (unhashed) and directories, sorted. */
export interface GroupPaths {
  /** Relative file paths with their sizes and modes. */
  readonly files: readonly { path: string; size: number; mode: number }[];
  /** Relative directory paths (every directory, so that empty ones travel too). */
  readonly directories: readonly string[];
}

/**
 * Whether a relative path is machine-local state that never travels (Annex E, section 3):
 * `.karnel/` (the runtime lease, caches) and lock files.
 */
export function isMachineLocal(path: string): boolean {
  return path === '.karnel' || path.startsWith('.karnel/') || path.endsWith('.lock');
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Lists every file and directory of the group directory `dir` that travels, sorted by path.
 * A symbolic link or special file is refused (`migration/unsafe-path`), naming it: what it
 * points to is not part of the group.
 */
export async function listGroupPaths(dir: string): Promise<GroupPaths> {
  const files: { path: string; size: number; mode: number }[] = [];
  const directories: string[] = [];
  const unsafe: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const names = (await readdir(relative ? join(dir, relative) : dir)).sort(compare);
    for (const name of names) {
      const path = relative ? `${relative}/${name}` : name;
      if (isMachineLocal(path)) continue;
      const info = await lstat(join(dir, path));
      if (info.isSymbolicLink()) unsafe.push(`${path}: is a symbolic link; links do not travel`);
      else if (info.isDirectory()) {
        directories.push(path);
        await walk(path);
      } else if (info.isFile()) files.push({ path, size: info.size, mode: info.mode });
      else unsafe.push(`${path}: is not a regular file or folder`);
    }
  };
  await walk('');
  if (unsafe.length > 0)
    throw new MigrationError({ code: 'migration/unsafe-path', problems: unsafe });
  files.sort((a, b) => compare(a.path, b.path));
  directories.sort(compare);
  return { files, directories };
}

/** SHA-256 and size of a file, streamed. */
export async function hashFileAt(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}
