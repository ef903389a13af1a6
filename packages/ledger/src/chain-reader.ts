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
    let position = start;
    let lineNumber = startLine;
    let carry = Buffer.alloc(0);
    let carryOffset = start;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data =
        carry.length > 0
          ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
          : chunk.subarray(0, bytesRead);
      let lineStart = 0;
      for (;;) {
        const newline = data.indexOf(10, lineStart);
        if (newline < 0) break;
        lineNumber++;
        const result = onLine({
          bytes: data.subarray(lineStart, newline),
          offset: carryOffset + lineStart,
          line: lineNumber,
        });
        const keepGoing = result instanceof Promise ? await result : result;
        lineStart = newline + 1;
        if (keepGoing === false) {
          return { end: carryOffset + lineStart, lines: lineNumber, rest: Buffer.alloc(0) };
        }
      }
      carry = Buffer.from(data.subarray(lineStart));
      carryOffset += lineStart;
    }
    return { end: carryOffset, lines: lineNumber, rest: carry };
  } finally {
    await handle.close();
  }
}
