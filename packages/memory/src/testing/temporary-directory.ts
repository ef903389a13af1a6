import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temporary folders for one test file, removed by {@link TemporaryDirectories.cleanup}. */
export interface TemporaryDirectories {
  /** A new empty folder. */
  create(): Promise<string>;
  /** Removes every folder created so far. */
  cleanup(): Promise<void>;
}

/** Creates a {@link TemporaryDirectories} (folders under the OS temp dir, prefixed `karnel-`). */
export function temporaryDirectories(): TemporaryDirectories {
  const created: string[] = [];
  return {
    async create() {
      const path = await mkdtemp(join(tmpdir(), 'karnel-'));
      created.push(path);
      return path;
    },
    async cleanup() {
      await Promise.all(
        created.splice(0).map((path) => rm(path, { recursive: true, force: true })),
      );
    },
  };
}
