import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A value read from files, kept until the files change: each {@link FingerprintCache.get}
 * takes the files' fingerprint (a few `stat` calls) and reads the value again only when the
 * fingerprint differs from the one it was read under.
 */
export interface FingerprintCache<T> {
  /** The value, read again when the fingerprint changed since the last read. */
  get(): Promise<T>;
}

/**
 * Creates a {@link FingerprintCache}: `fingerprint` names the state of the files (sizes,
 * modification times), `load` reads the value. A failed load is not kept: the next call
 * tries again.
 */
export function createFingerprintCache<T>(
  fingerprint: () => Promise<string>,
  load: () => Promise<T>,
): FingerprintCache<T> {
  let kept: { print: string; value: Promise<T> } | undefined;
  return {
    async get() {
      const print = await fingerprint();
      if (kept?.print === print) return kept.value;
      const value = load();
      const entry = { print, value };
      kept = entry;
      value.catch(() => {
        if (kept === entry) kept = undefined;
      });
      return value;
    },
  };
}

/** The size, modification time and inode of one path, or `-` when it is missing. */
export async function fileFingerprint(path: string): Promise<string> {
  try {
    const info = await stat(path);
    return `${info.size}:${info.mtimeMs}:${info.ino}`;
  } catch {
    return '-';
  }
}

/**
 * The fingerprint of a folder tree: the path, size and modification time of every folder and
 * file under `dir` (to `maxDepth` levels), sorted. A file added, removed, resized or touched
 * anywhere in it changes the fingerprint.
 */
export async function treeFingerprint(dir: string, maxDepth = 4): Promise<string> {
  const lines: string[] = [];
  const walk = async (folder: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(folder)).sort();
    } catch {
      lines.push(`${folder}:-`);
      return;
    }
    lines.push(`${folder}:${await fileFingerprint(folder)}`);
    await Promise.all(
      names.map(async (name) => {
        const path = join(folder, name);
        try {
          const info = await stat(path);
          if (info.isDirectory()) {
            if (depth < maxDepth) await walk(path, depth + 1);
            else lines.push(`${path}:dir`);
          } else lines.push(`${path}:${info.size}:${info.mtimeMs}:${info.ino}`);
        } catch {
          lines.push(`${path}:-`);
        }
      }),
    );
  };
  await walk(dir, 0);
  return lines.sort().join('\n');
}
