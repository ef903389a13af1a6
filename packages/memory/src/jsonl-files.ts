import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncFolder, withFileLock } from '@karnel/core';

/**
 * Reads a JSON Lines file incrementally: each call returns the complete lines added since the
 * previous one. A last line without its newline is an append still in progress (or cut short
 * by a crash) and is left for later, so a reader never sees half a record.
 */
export class JsonLinesTail {
  readonly path: string;
  #offset = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  /** The values of the complete lines appended since the last call; lines that are not JSON are skipped. */
  readNew(): Promise<unknown[]> {
    // One read at a time: two overlapping reads would both start at the same offset.
    const next = this.#queue.then(() => this.#read());
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #read(): Promise<unknown[]> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const start = this.#offset;
      if (size <= start) return [];
      const buffer = Buffer.alloc(size - start);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(
          buffer,
          filled,
          buffer.length - filled,
          start + filled,
        );
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled === 0) return [];
      const end = buffer.lastIndexOf(0x0a, filled - 1);
      if (end < 0) return [];
      this.#offset = start + end + 1;
      const values: unknown[] = [];
      for (const line of buffer.toString('utf8', 0, end).split('\n')) {
        if (line.trim() === '') continue;
        try {
          values.push(JSON.parse(line));
        } catch {
          // A corrupt line is reported by validateMemoryDir; readers skip it.
        }
      }
      return values;
    } finally {
      await handle.close();
    }
  }
}

/**
 * Appends lines (each a complete JSON text without its newline) to `path` as one write, under
 * the file's lock, and resolves once they are on disk. `lines` may be a function, called while
 * the lock is held, so that checks against the file's content (duplicate ids) and the append
 * happen as one step. A torn last line left by a writer that crashed mid-append is cut off
 * first: it was never acknowledged, and appending after it would glue the new first record
 * onto it.
 */
export async function appendJsonLines(
  path: string,
  lines: readonly string[] | (() => Promise<readonly string[]>),
): Promise<void> {
  if (Array.isArray(lines) && lines.length === 0) return;
  await mkdir(dirname(path), { recursive: true });
  await withFileLock(`${path}.lock`, async () => {
    const prepared = typeof lines === 'function' ? await lines() : lines;
    if (prepared.length === 0) return;
    let created = true;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'ax+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      handle = await open(path, 'a+');
      created = false;
    }
    try {
      if (!created) await cutTornTail(handle);
      const bytes = Buffer.from(`${prepared.join('\n')}\n`, 'utf8');
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
      await handle.datasync();
    } finally {
      await handle.close();
    }
    if (created) await syncFolder(dirname(path));
  });
}

async function cutTornTail(handle: Awaited<ReturnType<typeof open>>): Promise<void> {
  const { size } = await handle.stat();
  if (size === 0) return;
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  // Look backwards for the last newline; everything after it is the torn line.
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const length = end - start;
    await handle.read(chunk, 0, length, start);
    if (end === size && chunk[length - 1] === 0x0a) return;
    const newline = chunk.subarray(0, length).lastIndexOf(0x0a);
    if (newline >= 0) {
      await handle.truncate(start + newline + 1);
      await handle.datasync();
      return;
    }
    end = start;
  }
  await handle.truncate(0);
  await handle.datasync();
}
