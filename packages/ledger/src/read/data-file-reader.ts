import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolveLedgerPath } from '../format/layout';
import { borrowBuffer, returnBuffer } from './buffer-pool';

/** Bytes read at a time around a requested range, so that the next chunks are already there. */
const WINDOW = 1024 * 1024;
/** Windows this large go back to the buffer pool on close; smaller ones are left to the GC. */
const POOLED_WINDOW = 64 * 1024;
/** Data files kept open at once; whole files are read once each, append-only ones many times. */
const MAX_OPEN = 32;

/** Where the bytes of a file range are: `buffer[offset - base]` holds file byte `offset`. */
export interface FileWindow {
  /** Bytes of the file starting at file offset `base`. */
  readonly buffer: Buffer;
  /** The file offset of `buffer[0]`. */
  readonly base: number;
}

interface OpenFile {
  readonly fd: number;
  readonly size: number;
  window: Buffer | undefined;
  windowBase: number;
  windowLength: number;
}

/**
 * Reads committed ranges of a ledger's data files for verification, a window at a time: memory
 * stays bounded however large an append-only file grows, and consecutive chunks (the usual
 * case: one per step or coordination event) come from a window already read. Each file's size
 * is taken when it is first opened. Missing files (and folders where a file should be) read as
 * `null`. Call {@link close} when done.
 */
export class DataFileReader {
  readonly #dir: string;
  readonly #files = new Map<string, OpenFile | null>();
  /** Every window handed out; they go back to the pool only on close, when no caller holds one. */
  readonly #windows: Buffer[] = [];

  /** @param dir - The ledger folder. */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The file's size in bytes, or `null` when it is missing. */
  async size(path: string): Promise<number | null> {
    return this.sizeNow(path);
  }

  /** {@link size}, synchronously (files are opened and read synchronously anyway). */
  sizeNow(path: string): number | null {
    return this.#open(path)?.size ?? null;
  }

  /**
   * Bytes `[start, end)` of the file, read synchronously through its window, or `null` when
   * the file is missing or shorter than `end`. Valid until the next read of the same file.
   */
  bytesNow(path: string, start: number, end: number): Buffer | null {
    const window = this.windowNow(path, start, end);
    return window ? window.buffer.subarray(start - window.base, end - window.base) : null;
  }

  /** The file's size when it is already open (`undefined` when not known yet). */
  knownSize(path: string): number | null | undefined {
    const file = this.#files.get(path);
    return file === undefined ? undefined : (file?.size ?? null);
  }

  /**
   * Bytes `[start, end)` of the file, when the current window holds them; `undefined` when they
   * must be read first (with {@link window}). The result is valid until the next read of the
   * same file.
   */
  cached(path: string, start: number, end: number): Buffer | undefined {
    const file = this.#files.get(path);
    if (!file?.window || start < file.windowBase || end > file.windowBase + file.windowLength)
      return undefined;
    return file.window.subarray(start - file.windowBase, end - file.windowBase);
  }

  /**
   * A window holding bytes `[start, end)` of the file (and up to a megabyte after them), or
   * `null` when the file is missing or shorter than `end`. Valid until the next read of the
   * same file.
   */
  async window(path: string, start: number, end: number): Promise<FileWindow | null> {
    return this.windowNow(path, start, end);
  }

  /** {@link window}, synchronously. */
  windowNow(path: string, start: number, end: number): FileWindow | null {
    const file = this.#open(path);
    if (!file || start < 0 || end < start || end > file.size) return null;
    if (file.window && start >= file.windowBase && end <= file.windowBase + file.windowLength) {
      return { buffer: file.window.subarray(0, file.windowLength), base: file.windowBase };
    }
    const length = Math.min(file.size - start, Math.max(end - start, WINDOW));
    if (!file.window || file.window.length < length) {
      // Grown geometrically, and used to its full capacity (a pooled buffer may be larger
      // than asked for). The old window is left to the garbage collector, not the pool: a
      // caller may still hold it (see close).
      const borrowed = borrowBuffer(Math.max(length, 2 * (file.window?.length ?? 0)));
      file.window = Buffer.from(borrowed.buffer, 0, borrowed.buffer.byteLength);
      if (file.window.length >= POOLED_WINDOW) this.#windows.push(file.window);
    }
    let filled = 0;
    while (filled < length) {
      const read = readSync(file.fd, file.window, filled, length - filled, start + filled);
      if (read === 0) break; // the file shrank meanwhile
      filled += read;
    }
    file.windowBase = start;
    file.windowLength = filled;
    if (filled < end - start) return null;
    return { buffer: file.window.subarray(0, filled), base: start };
  }

  /** SHA-256 (hex) of bytes `[start, end)`, read a window at a time; `null` when they are not all there. */
  async hashRange(path: string, start: number, end: number): Promise<string | null> {
    const hash = createHash('sha256');
    for (let at = start; at < end; ) {
      const stop = Math.min(end, at + WINDOW);
      const window = await this.window(path, at, stop);
      if (!window) return null;
      hash.update(window.buffer.subarray(at - window.base, stop - window.base));
      at = stop;
    }
    return hash.digest('hex');
  }

  /** 1-based line and column of byte `offset` in the file, counting newlines a window at a time. */
  async positionOf(path: string, offset: number): Promise<{ line: number; column: number }> {
    const size = (await this.size(path)) ?? 0;
    const stop = Math.min(offset, size);
    let line = 1;
    let lineStart = 0;
    for (let at = 0; at < stop; ) {
      const until = Math.min(stop, at + WINDOW);
      const window = await this.window(path, at, until);
      if (!window) break;
      const bytes = window.buffer.subarray(at - window.base, until - window.base);
      for (let index = bytes.indexOf(10); index >= 0; index = bytes.indexOf(10, index + 1)) {
        line++;
        lineStart = at + index + 1;
      }
      at = until;
    }
    return { line, column: stop - lineStart + 1 };
  }

  /** Closes every file and gives the windows back to the buffer pool: none may be used after. */
  async close(): Promise<void> {
    const files = [...this.#files.values()];
    this.#files.clear();
    for (const file of files) if (file) closeSync(file.fd);
    for (const window of this.#windows.splice(0)) returnBuffer(window);
  }

  #open(path: string): OpenFile | null {
    const known = this.#files.get(path);
    if (known !== undefined) {
      // Most recently used last, so that the oldest is closed first.
      this.#files.delete(path);
      this.#files.set(path, known);
      return known;
    }
    // Synchronous, like the reads: a thread-pool round trip per file costs more than the call.
    let file: OpenFile | null = null;
    let fd: number | undefined;
    try {
      fd = openSync(resolveLedgerPath(this.#dir, path), 'r');
      const stats = fstatSync(fd);
      if (stats.isFile()) {
        file = { fd, size: stats.size, window: undefined, windowBase: 0, windowLength: 0 };
      } else {
        closeSync(fd);
      }
    } catch (error) {
      if (fd !== undefined && !file) closeSync(fd);
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') throw error;
    }
    this.#files.set(path, file);
    let openCount = 0;
    for (const other of this.#files.values()) if (other) openCount++;
    for (const [otherPath, other] of this.#files) {
      if (openCount <= MAX_OPEN) break;
      if (!other || otherPath === path) continue;
      // Forget it entirely: reopening reads its size again, which is what a reader expects.
      this.#files.delete(otherPath);
      closeSync(other.fd);
      openCount--;
    }
    return file;
  }
}
