import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_ENTRY_LINE_BYTES } from '../format/entry';
import { borrowBuffer, returnBuffer } from './buffer-pool';

/** One complete line of the chain file. */
export interface ChainLine {
  /** The line's bytes without its newline. */
  readonly bytes: Buffer;
  /** Byte offset of the line's start in the file. */
  readonly offset: number;
  /** 1-based line number in the file. */
  readonly line: number;
}

/** What follows the last complete line. */
export interface ChainTail {
  /** Offset just after the last complete line. */
  readonly end: number;
  /** Number of complete lines read (plus the starting line count). */
  readonly lines: number;
  /** Bytes after the last newline (a torn append, or damage); empty when the file ends cleanly. */
  readonly rest: Buffer;
}

/**
 * Takes a run of complete lines at once, before they are handed to `onLine` one by one: the
 * lines of `buffer[start, end)`, the first of which starts at byte `fileOffset` of the file and
 * is line `firstLine` (1-based). Returns the buffer index where it stopped (a line start) and
 * how many lines it consumed; the line it stopped at, if any, goes to `onLine`, and the handler
 * is called again for the lines after that one.
 */
export type ChainBlockHandler = (
  buffer: Buffer,
  start: number,
  end: number,
  fileOffset: number,
  firstLine: number,
) => ChainBlockProgress | Promise<ChainBlockProgress>;

/** How far a {@link ChainBlockHandler} got. */
export interface ChainBlockProgress {
  /** Buffer index after the last line consumed (the start of the next line to read). */
  readonly end: number;
  /** Number of lines consumed. */
  readonly lines: number;
}

const CHUNK = 4 * 1024 * 1024;
const HEADROOM = 256 * 1024;
/** The smallest chunk read into a buffer of its own (below that, reading more costs nothing). */
const MIN_CHUNK = 16 * 1024;

/**
 * Reads the chain file `path` from byte `start` (a line boundary) in large chunks, calling
 * `onLine` for each complete line. Returns where the complete lines end and any partial tail.
 * A missing file reads as empty. `onLine` returning `false` stops early. With `onBlock`, runs of
 * complete lines go to it first, and only the lines it leaves go to `onLine`.
 */
export async function readChainLines(
  path: string,
  onLine: (line: ChainLine) => boolean | undefined | Promise<boolean | undefined>,
  {
    start = 0,
    startLine = 0,
    onBlock,
    reuseBuffer = false,
  }: {
    start?: number;
    startLine?: number;
    onBlock?: ChainBlockHandler;
    /**
     * Read through a pooled buffer, returned when reading ends: lines must not be kept after
     * the handlers return. Default `false`.
     */
    reuseBuffer?: boolean;
  } = {},
): Promise<ChainTail> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { end: start, lines: startLine, rest: Buffer.alloc(0) };
    throw error;
  }
  // Reads are synchronous, on this thread: a chunk comes from the page cache in about a
  // millisecond, less than processing its lines takes (which blocks the event loop anyway),
  // while an asynchronous read waits for a thread-pool thread, which on a busy machine can
  // take longer than the work. The buffer keeps headroom in front of its data, where the
  // partial last line of the previous chunk is copied, so lines never need concatenating.
  // A buffer of its own is sized to what the file holds past `start` when that is less than a
  // chunk: a reader going on from an earlier read (a few new entries) must not allocate, and
  // make the collector reclaim, megabytes per read. Lines longer than the headroom still work
  // (see below); a file that grew meanwhile is read in further chunks.
  let chunkSize = CHUNK;
  let headroom = HEADROOM;
  if (!reuseBuffer) {
    let pending: number;
    try {
      pending = fstatSync(fd).size - start;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    chunkSize = Math.min(CHUNK, Math.max(MIN_CHUNK, pending));
    headroom = Math.min(HEADROOM, chunkSize);
  }
  const chunk = reuseBuffer
    ? borrowBuffer(HEADROOM + CHUNK)
    : Buffer.allocUnsafe(headroom + chunkSize);
  let position = start;
  try {
    let carry = Buffer.alloc(0); // the partial line left at the end of the previous chunk
    let carryOffset = start; // its file offset
    let lineNumber = startLine;
    // Past the first MAX_ENTRY_LINE_BYTES + 1 bytes of an over-long line: skipped to its end.
    let skipping = false;
    for (;;) {
      const bytesRead = readSync(fd, chunk, headroom, chunkSize, position);
      if (bytesRead === 0) break;
      const chunkOffset = position;
      position += bytesRead;
      let buffer = chunk;
      let dataStart: number;
      let bufferEnd = headroom + bytesRead;
      if (skipping) {
        // The rest of an over-long line: read on from its end, if this chunk holds it.
        const newline = chunk.indexOf(10, headroom);
        if (newline < 0 || newline >= bufferEnd) {
          carryOffset = position;
          continue;
        }
        skipping = false;
        dataStart = newline + 1;
        carryOffset = chunkOffset + (dataStart - headroom);
      } else {
        dataStart = headroom - carry.length;
        if (dataStart >= 0) {
          carry.copy(buffer, dataStart);
        } else {
          // A line longer than the headroom: fall back to one combined buffer for this chunk.
          buffer = Buffer.concat([carry, chunk.subarray(headroom, bufferEnd)]);
          dataStart = 0;
          bufferEnd = buffer.length;
        }
      }
      const offsetOf = (index: number) => carryOffset + (index - dataStart);
      let lineStart = dataStart;
      // Where the complete lines of this chunk end: a block handler takes them up to there.
      const blockEnd = onBlock ? buffer.lastIndexOf(10, bufferEnd - 1) + 1 : 0;
      for (;;) {
        if (onBlock && lineStart < blockEnd) {
          const progressed = onBlock(
            buffer,
            lineStart,
            blockEnd,
            offsetOf(lineStart),
            lineNumber + 1,
          );
          const progress = progressed instanceof Promise ? await progressed : progressed;
          lineStart = progress.end;
          lineNumber += progress.lines;
        }
        const newline = buffer.indexOf(10, lineStart);
        if (newline < 0 || newline >= bufferEnd) break;
        lineNumber++;
        const result = onLine({
          bytes: buffer.subarray(lineStart, newline),
          offset: offsetOf(lineStart),
          line: lineNumber,
        });
        const keepGoing = result instanceof Promise ? await result : result;
        lineStart = newline + 1;
        if (keepGoing === false) {
          return { end: offsetOf(lineStart), lines: lineNumber, rest: Buffer.alloc(0) };
        }
      }
      // Copy the partial line out now: the next read into the chunk would overwrite it.
      carry = Buffer.from(buffer.subarray(lineStart, bufferEnd));
      carryOffset = offsetOf(lineStart);
      if (carry.length > MAX_ENTRY_LINE_BYTES) {
        // Longer than any entry may be: handed on cut short (so it reads as malformed, at its
        // line), and the rest skipped, so memory stays bounded whatever the file holds.
        lineNumber++;
        const result = onLine({
          bytes: carry.subarray(0, MAX_ENTRY_LINE_BYTES + 1),
          offset: carryOffset,
          line: lineNumber,
        });
        const keepGoing = result instanceof Promise ? await result : result;
        if (keepGoing === false) return { end: position, lines: lineNumber, rest: Buffer.alloc(0) };
        carry = Buffer.alloc(0);
        carryOffset = position;
        skipping = true;
      }
    }
    return { end: carryOffset, lines: lineNumber, rest: carry };
  } finally {
    if (reuseBuffer) returnBuffer(chunk);
    closeSync(fd);
  }
}
