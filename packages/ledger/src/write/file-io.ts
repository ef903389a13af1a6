import { writeSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSha256 } from '@karnel/core';

/** SHA-256 (hex) of the first `size` bytes of a file, read in chunks. */
export async function hashPrefix(path: string, size: number): Promise<string> {
  const hasher = createSha256();
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let position = 0;
    while (position < size) {
      const { bytesRead } = await handle.read(
        buffer,
        0,
        Math.min(buffer.length, size - position),
        position,
      );
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hasher.digestHex();
}

/**
 * Creates `folder` if needed. Every folder that gains an entry (a new subfolder or file) is
 * added to `toSync`, so the batch can fsync them before acknowledging.
 */
export async function mkdirTracked(folder: string, toSync: Set<string>): Promise<void> {
  const first = await mkdir(folder, { recursive: true });
  if (!first) return;
  let current = folder;
  for (;;) {
    toSync.add(dirname(current));
    if (current === first || dirname(current) === current) break;
    current = dirname(current);
  }
}

/**
 * Opens the append-only data file `path` for writing. `existing`: it must be there (the chain
 * already committed bytes of it); `existing-or-new`: it is created when missing, and its
 * folder is added to `newFolders`.
 */
export async function openAt(
  path: string,
  mode: 'existing' | 'existing-or-new',
  newFolders: Set<string>,
): Promise<{ handle: Awaited<ReturnType<typeof open>>; end: number; created: boolean }> {
  await mkdirTracked(dirname(path), newFolders);
  try {
    return { handle: await open(path, 'r+'), end: 0, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || mode === 'existing') throw error;
  }
  const handle = await open(path, 'w+');
  newFolders.add(dirname(path));
  return { handle, end: 0, created: true };
}

/**
 * Writes all of `data` at `position` of the open file `fd`. Synchronous: the bytes only reach
 * the page cache here (the fsync that follows is what takes time, and stays asynchronous),
 * and a thread-pool round trip per write cost more than the write.
 */
export function writeAll(fd: number, data: Buffer, position: number): void {
  let offset = 0;
  while (offset < data.length) {
    offset += writeSync(fd, data, offset, data.length - offset, position + offset);
  }
}
