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
  try {
    // One buffer for the whole read: the partial line at the end of each read is moved to the
    // front and the next read lands after it, so nothing is allocated or concatenated per chunk.
    let buffer = Buffer.allocUnsafe(CHUNK);
    let filled = 0; // bytes of buffer in use (a partial line carried over, then new data)
    let bufferOffset = start; // file offset of buffer[0]
    let position = start;
    let lineNumber = startLine;
    for (;;) {
      if (filled === buffer.length) {
        // A single line longer than the buffer: grow it.
        const grown = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(grown, 0, 0, filled);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const end = filled + bytesRead;
      let lineStart = 0;
      for (;;) {
        const newline = buffer.indexOf(10, lineStart);
        if (newline < 0 || newline >= end) break;
        lineNumber++;
        const result = onLine({
          bytes: buffer.subarray(lineStart, newline),
          offset: bufferOffset + lineStart,
          line: lineNumber,
        });
        const keepGoing = result instanceof Promise ? await result : result;
        lineStart = newline + 1;
        if (keepGoing === false) {
          return { end: bufferOffset + lineStart, lines: lineNumber, rest: Buffer.alloc(0) };
        }
      }
      buffer.copy(buffer, 0, lineStart, end);
      filled = end - lineStart;
      bufferOffset += lineStart;
    }
    return { end: bufferOffset, lines: lineNumber, rest: Buffer.from(buffer.subarray(0, filled)) };
  } finally {
    await handle.close();
  }
}
