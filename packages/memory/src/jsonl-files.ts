import {
  type BigIntStats,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readSync,
  statSync,
} from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  createDiagnostic,
  type Diagnostic,
  openInside,
  openInsideSync,
  syncFolder,
  withFileLock,
} from '@karnel/core';

/** One complete line read by {@link JsonLinesTail}. */
export interface TailLine {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The parsed value. */
  readonly value: unknown;
}

/** What one {@link JsonLinesTail.readNew} call found. */
export interface TailRead {
  /**
   * The file was replaced, shortened or removed since the previous read, so `lines` are the
   * whole file again from its first line: whatever the caller built from earlier reads is stale.
   */
  readonly restarted: boolean;
  /** The complete lines read, in file order. */
  readonly lines: TailLine[];
}

/** What identifies the file version a {@link JsonLinesTail} read last. */
interface FileSignature {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

/**
 * Reads a JSON Lines file incrementally: each call returns the complete lines added since the
 * previous one, so that a reader's cost per call does not grow with the file. Each call first
 * compares the file's device, inode, size and modification time with the previous read's (one
 * `stat`, no read when nothing changed). A different device or inode (the file was replaced),
 * a file shorter than what was read, a file rewritten in place (same size, new modification
 * time, nothing pending) or a removed file make the next read start over from the first line,
 * and say so (`restarted`). A last line without its newline is an append still in progress
 * (or cut short by a crash) and is left for later, so a reader never sees half a record. A
 * complete line that is not JSON is skipped and reported to `report` with its line and column.
 * With `root`, the file is opened only while its real location is inside that folder
 * (`openInsideSync` of `@karnel/core`): a read through a symbolic link leading out of it throws
 * an `OutsideRootError` and reads nothing.
 */
export class JsonLinesTail {
  readonly path: string;
  readonly #report: (diagnostic: Diagnostic) => void;
  readonly #root: string | undefined;
  #offset = 0;
  #lines = 0;
  #seen: FileSignature | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, report: (diagnostic: Diagnostic) => void, root?: string) {
    this.path = path;
    this.#report = report;
    this.#root = root;
  }

  /** The complete lines appended since the last call (or the whole file, when it restarted). */
  readNew(): Promise<TailRead> {
    // One read at a time: two overlapping reads would both start at the same offset.
    const next = this.#queue.then(() => this.#read());
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #restart(): void {
    this.#offset = 0;
    this.#lines = 0;
    this.#seen = undefined;
  }

  async #read(): Promise<TailRead> {
    let restarted = false;
    let info: BigIntStats;
    try {
      // A synchronous stat: microseconds, where a round trip through the thread pool costs more.
      info = statSync(this.path, { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Removed: whatever was read from it is gone with it.
      restarted = this.#seen !== undefined || this.#offset > 0;
      this.#restart();
      return { restarted, lines: [] };
    }
    const seen = this.#seen;
    if (
      seen &&
      seen.dev === info.dev &&
      seen.ino === info.ino &&
      seen.size === info.size &&
      seen.mtimeNs === info.mtimeNs
    )
      return { restarted: false, lines: [] };
    // Synchronous calls, as for the stat: a round trip through the thread pool per call cost
    // more than reading the few lines a run appends.
    let fd: number;
    try {
      fd =
        this.#root === undefined ? openSync(this.path, 'r') : openInsideSync(this.#root, this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      restarted = this.#seen !== undefined || this.#offset > 0;
      this.#restart();
      return { restarted, lines: [] };
    }
    try {
      // The open file is the authority: the path may have been replaced since the stat.
      const stats = fstatSync(fd, { bigint: true });
      const size = Number(stats.size);
      const replaced =
        seen !== undefined &&
        (seen.dev !== stats.dev ||
          seen.ino !== stats.ino ||
          size < this.#offset ||
          // Same length, new time, nothing pending: rewritten in place (an append always grows).
          (seen.size === stats.size && seen.mtimeNs !== stats.mtimeNs && this.#offset === size));
      if (replaced) {
        restarted = true;
        this.#restart();
      }
      this.#seen = { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs };
      const start = this.#offset;
      if (size <= start) return { restarted, lines: [] };
      const buffer = Buffer.alloc(size - start);
      let filled = 0;
      while (filled < buffer.length) {
        const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled === 0) return { restarted, lines: [] };
      const end = buffer.lastIndexOf(0x0a, filled - 1);
      if (end < 0) return { restarted, lines: [] };
      this.#offset = start + end + 1;
      const values: TailLine[] = [];
      for (const text of buffer.toString('utf8', 0, end).split('\n')) {
        const line = ++this.#lines;
        if (text.trim() === '') continue;
        try {
          values.push({ line, value: JSON.parse(text) });
        } catch (error) {
          this.#report(
            createDiagnostic({
              file: this.path,
              line,
              column: jsonErrorColumn(error),
              code: 'jsonl/syntax',
              message: `skipped a line that is not JSON (${(error as Error).message}); run karnel validate for details`,
            }),
          );
        }
      }
      return { restarted, lines: values };
    } finally {
      closeSync(fd);
    }
  }
}

/** The 1-based column a `JSON.parse` error points at (1 when it does not say). */
function jsonErrorColumn(error: unknown): number {
  const position = /position (\d+)/.exec(String((error as Error)?.message));
  return position ? Number(position[1]) + 1 : 1;
}

/**
 * Appends lines (each a complete JSON text without its newline) to `path` as one write, under
 * the file's lock, and resolves once they are on disk. `lines` may be a function, called while
 * the lock is held, so that checks against the file's content (duplicate ids) and the append
 * happen as one step. A torn last line left by a writer that crashed mid-append is cut off
 * first — it was never acknowledged, and appending after it would glue the new first record
 * onto it — and reported to `report` with its line number. With `root`, the file is opened
 * only while its real location is inside that folder (else an `OutsideRootError`, nothing
 * written).
 */
export async function appendJsonLines(
  path: string,
  lines: readonly string[] | (() => Promise<readonly string[]>),
  report?: (diagnostic: Diagnostic) => void,
  root?: string,
): Promise<void> {
  const openLog = (exclusive: boolean) => {
    if (root === undefined) return open(path, exclusive ? 'ax+' : 'a+');
    const flags =
      constants.O_RDWR |
      constants.O_APPEND |
      constants.O_CREAT |
      (exclusive ? constants.O_EXCL : 0);
    return openInside(root, path, { flags });
  };
  if (Array.isArray(lines) && lines.length === 0) return;
  // The usual case, a file that exists, skips creating its folder (one stat, no thread pool).
  if (!existsSync(path)) await mkdir(dirname(path), { recursive: true });
  await withFileLock(`${path}.lock`, async () => {
    const prepared = typeof lines === 'function' ? await lines() : lines;
    if (prepared.length === 0) return;
    let created = false;
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    if (!existsSync(path)) {
      try {
        handle = await openLog(true);
        created = true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    handle ??= await openLog(false);
    try {
      if (!created) {
        const { torn, size } = await cutTornTail(handle);
        // Empty: possibly made just now by `a+` (removed after the check); its folder entry
        // must then be made durable like a new file's.
        if (size === 0) created = true;
        if (torn && report) {
          report(
            createDiagnostic({
              file: path,
              line: torn.line,
              column: 1,
              severity: 'warning',
              code: 'memory/torn-line',
              message: `removed an incomplete last line (${torn.bytes} byte(s)) left by a write that was cut short; it had never been acknowledged`,
            }),
          );
        }
      }
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

/**
 * Cuts an incomplete last line; says which line it was and how long (`torn`, `undefined` if
 * none), and how long the file was.
 */
async function cutTornTail(
  handle: Awaited<ReturnType<typeof open>>,
): Promise<{ torn?: { line: number; bytes: number }; size: number }> {
  const { size } = await handle.stat();
  if (size === 0) return { size };
  // The usual case, a complete last line, takes one byte to see.
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  if (last[0] === 0x0a) return { size };
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  let cut = 0;
  // Look backwards for the last newline; everything after it is the torn line.
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const length = end - start;
    await handle.read(chunk, 0, length, start);
    if (end === size && chunk[length - 1] === 0x0a) return { size };
    const newline = chunk.subarray(0, length).lastIndexOf(0x0a);
    if (newline >= 0) {
      cut = start + newline + 1;
      break;
    }
    end = start;
  }
  const line = (await countNewlines(handle, cut)) + 1;
  await handle.truncate(cut);
  await handle.datasync();
  return { torn: { line, bytes: size - cut }, size };
}

async function countNewlines(
  handle: Awaited<ReturnType<typeof open>>,
  length: number,
): Promise<number> {
  const chunk = Buffer.alloc(Math.min(Math.max(length, 1), 1024 * 1024));
  let count = 0;
  for (let position = 0; position < length; position += chunk.length) {
    const { bytesRead } = await handle.read(
      chunk,
      0,
      Math.min(chunk.length, length - position),
      position,
    );
    for (let index = 0; index < bytesRead; index++) if (chunk[index] === 0x0a) count++;
  }
  return count;
}
