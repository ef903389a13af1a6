import { open } from 'node:fs/promises';

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

const CHUNK = 4 * 1024 * 1024;
const HEADROOM = 256 * 1024;

/**
 * Reads the chain file `path` from byte `start` (a line boundary) in large chunks, calling
 * `onLine` for each complete line. Returns where the complete lines end and any partial tail.
 * A missing file reads as empty. `onLine` returning `false` stops early.
 */
export async function readChainLines(
  path: string,
  onLine: (line: ChainLine) => boolean | undefined | Promise<boolean | undefined>,
  { start = 0, startLine = 0 }: { start?: number; startLine?: number } = {},
): Promise<ChainTail> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { end: start, lines: startLine, rest: Buffer.alloc(0) };
    throw error;
  }
  // Two buffers: while the lines of one are processed, the next chunk is read into the other
  // (reading from the page cache is a copy that would otherwise leave the thread idle). Each
  // buffer keeps headroom in front of its data, where the partial last line of the previous
  // chunk is copied, so lines never need concatenating.
  const buffers = [Buffer.allocUnsafe(HEADROOM + CHUNK), Buffer.allocUnsafe(HEADROOM + CHUNK)];
  let current = 0;
  let position = start;
  let pending: Promise<{ bytesRead: number }> | undefined = handle.read(
    buffers[0]!,
    HEADROOM,
    CHUNK,
    position,
  );
  try {
    let carry = Buffer.alloc(0); // the partial line left at the end of the previous chunk
    let carryOffset = start; // its file offset
    let lineNumber = startLine;
    for (;;) {
      const { bytesRead } = await pending!;
      pending = undefined;
      if (bytesRead === 0) break;
      position += bytesRead;
      let buffer = buffers[current]!;
      let dataStart = HEADROOM - carry.length;
      const end = HEADROOM + bytesRead;
      if (dataStart >= 0) {
        carry.copy(buffer, dataStart);
      } else {
        // A line longer than the headroom: fall back to one combined buffer for this chunk.
        buffer = Buffer.concat([carry, buffer.subarray(HEADROOM, end)]);
        dataStart = 0;
      }
      const bufferEnd = dataStart === 0 && buffer !== buffers[current] ? buffer.length : end;
      const next = 1 - current;
      pending = handle.read(buffers[next]!, HEADROOM, CHUNK, position);
      const offsetOf = (index: number) => carryOffset + (index - dataStart);
      let lineStart = dataStart;
      for (;;) {
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
      // Copy the partial line out now: the next read of this buffer would overwrite it.
      carry = Buffer.from(buffer.subarray(lineStart, bufferEnd));
      carryOffset = offsetOf(lineStart);
      current = next;
    }
    return { end: carryOffset, lines: lineNumber, rest: carry };
  } finally {
    await pending?.catch(() => undefined);
    await handle.close();
  }
}
