import { hash as oneShotHash } from 'node:crypto';
import { hexEquals, isLedgerPath } from '../format/entry';
import { OrdinaryLine, readOrdinaryLine } from '../format/ordinary-line';
import { createLatin1Interner } from '../format/recent-strings';
import type { ChainBlockHandler, ChainBlockProgress } from '../read/chain-reader';
import type { ChainState } from '../read/chain-state';
import type { DataFileReader } from '../read/data-file-reader';

/** What the ordinary-entry pass of verification works on. */
export interface OrdinaryEntryContext {
  /** The chain state being built (one that does not track records). */
  readonly state: ChainState;
  /** Reads the committed chunks of data files. */
  readonly reader: DataFileReader;
  /** Whether committed chunks are checked (`VerifyOptions.files`). */
  readonly checkFiles: boolean;
  /** Adds to the report's count of hashed bytes. */
  readonly addBytes: (count: number) => void;
  /** Whether the pass may take lines now (not while re-reading lines an archiving copied). */
  readonly enabled: () => boolean;
}

/**
 * How many lines the ordinary-entry pass scans before it hashes them (see
 * {@link createOrdinaryEntryPass}).
 */
export const BATCH_LINES = 256;

/**
 * The positions {@link readOrdinaryLine} found in a batch of consecutive ordinary lines,
 * kept so that the lines can be hashed one after the other once they are all scanned. Chunk
 * `c` of line `i` is at index `chunkFrom[i] + c` of the chunk arrays.
 */
class ScannedLines {
  count = 0;
  readonly entryStart = new Int32Array(BATCH_LINES);
  readonly entryEnd = new Int32Array(BATCH_LINES);
  readonly hashAt = new Int32Array(BATCH_LINES);
  readonly prevAt = new Int32Array(BATCH_LINES);
  /** Index of each line's newline. */
  readonly newline = new Int32Array(BATCH_LINES);
  /** Index of each line's first chunk in the chunk arrays; one more slot for the end. */
  readonly chunkFrom = new Int32Array(BATCH_LINES + 1);
  /** Per line: its entry's hash (32 bytes at `32 * line`), once checked. */
  readonly hashes = new Uint8Array(32 * BATCH_LINES);
  readonly pathStart: number[] = [];
  readonly pathEnd: number[] = [];
  readonly offset: number[] = [];
  readonly size: number[] = [];
  readonly sha256At: number[] = [];
  readonly append: boolean[] = [];
  /** Per chunk: the line (index in the batch) that committed it. */
  readonly chunkLine: number[] = [];
  /** Per chunk: its path, once checked. */
  readonly paths: string[] = [];
  /** Per chunk: its bytes, to be hashed (valid until its data file's window is read again). */
  readonly contents: Buffer[] = [];
  /** Per chunk: the committed end of its file before it was recorded (-1: it created the file). */
  readonly endBefore: number[] = [];

  /** Appends the line `line` describes, which ends at `newline`. */
  push(line: OrdinaryLine, newline: number): void {
    const at = this.count++;
    this.entryStart[at] = line.entryStart;
    this.entryEnd[at] = line.entryEnd;
    this.hashAt[at] = line.hashAt;
    this.prevAt[at] = line.prevAt;
    this.newline[at] = newline;
    let chunk = this.chunkFrom[at]!;
    for (let index = 0; index < line.fileCount; index++, chunk++) {
      this.pathStart[chunk] = line.pathStart[index]!;
      this.pathEnd[chunk] = line.pathEnd[index]!;
      this.offset[chunk] = line.offset[index]!;
      this.size[chunk] = line.size[index]!;
      this.sha256At[chunk] = line.sha256At[index]!;
      this.append[chunk] = line.append[index]!;
      this.chunkLine[chunk] = at;
    }
    this.chunkFrom[at + 1] = chunk;
  }
}

/**
 * The fast path of verification: a block handler for `readChainLines` that takes ordinary
 * lines (see {@link readOrdinaryLine}) straight from the read buffer. It works through a
 * block in batches of up to {@link BATCH_LINES} lines, in three steps: it reads the canonical
 * layout of each line with a byte scanner (checking that the seqs follow on), then hashes the
 * entries one after the other, checking each stored hash and each prev link, then checks and
 * hashes the committed chunks against the chain state, recording each entry as it passes —
 * without building an entry object. Hashing the lines of a batch back to back, rather than
 * each between the scans of two lines, saves about 15% of the time the pass takes on the
 * benchmark machine (the hash function's code and the scanner's each stay warm in the
 * processor's caches while they run); the chunks are hashed back to back for the same
 * reason. It stops at the first line it cannot vouch for (signed, a snapshot, any other
 * layout, or anything wrong): the lines before it are recorded, nothing after it is, and that
 * line goes to the full decoder, which accepts it or reports it, so the report is the same
 * whether or not a line went through here.
 */
export function createOrdinaryEntryPass(context: OrdinaryEntryContext): ChainBlockHandler {
  const { state, reader, checkFiles, addBytes, enabled } = context;
  if (state.tracksRecords) throw new Error('the ordinary-entry pass needs a state without records');
  const line = new OrdinaryLine();
  const scanned = new ScannedLines();
  const internPath = createLatin1Interner();
  /**
   * Valid paths already read from the block being taken: where their bytes are in it, and the
   * path. A chunk whose path bytes are the same as one of these (compared four at a time) has
   * that path, without reading it again.
   */
  const knownPathAt: number[] = [];
  const knownPathLength: number[] = [];
  const knownPaths: string[] = [];
  let knownPathCount = 0;

  /** The path of chunk `chunk` of the batch, or `undefined` when it is not a valid ledger path. */
  const pathOf = (buffer: Buffer, view: DataView, chunk: number): string | undefined => {
    const start = scanned.pathStart[chunk]!;
    const length = scanned.pathEnd[chunk]! - start;
    for (let known = 0; known < knownPathCount; known++) {
      if (knownPathLength[known] === length && sameRange(view, knownPathAt[known]!, start, length))
        return knownPaths[known];
    }
    const path = internPath(buffer, start, start + length);
    if (!isLedgerPath(path)) return undefined;
    if (knownPathCount < MAX_KNOWN_PATHS) {
      knownPathAt[knownPathCount] = start;
      knownPathLength[knownPathCount] = length;
      knownPaths[knownPathCount++] = path;
    }
    return path;
  };
  const progress = { end: 0, lines: 0 };

  /**
   * Checks the chunks of the first `count` scanned lines in order against the state and the
   * files, recording each line's chunks in the state as it passes (the next line's are checked
   * against them); then hashes the chunks' bytes back to back. Returns how many lines passed;
   * the chunks of the lines after them are taken out of the state again.
   */
  const recordChunks = (buffer: Buffer, view: DataView, count: number): number => {
    const { paths, contents, endBefore } = scanned;
    let passed = count;
    let recorded = 0;
    let digested = 0;
    /** Hashes the chunks before `to` not hashed yet; false (and `passed` lowered) at a mismatch. */
    const digest = (to: number): boolean => {
      for (; digested < to; digested++) {
        const content = contents[digested]!;
        if (!spells(view, scanned.sha256At[digested]!, oneShotHash('sha256', content, 'binary'))) {
          passed = scanned.chunkLine[digested]!;
          return false;
        }
      }
      return true;
    };
    lines: for (let at = 0; at < count; at++) {
      const from = scanned.chunkFrom[at]!;
      const to = scanned.chunkFrom[at + 1]!;
      for (let chunk = from; chunk < to; chunk++) {
        const path = pathOf(buffer, view, chunk);
        if (path === undefined) {
          passed = at;
          break lines;
        }
        let intact = true;
        for (let other = from; intact && other < chunk; other++) intact = paths[other] !== path;
        const offset = scanned.offset[chunk]!;
        const append = scanned.append[chunk]!;
        const committed = state.files.get(path);
        if (committed ? !committed.append || !append || offset !== committed.end : offset !== 0)
          intact = false;
        if (intact && checkFiles) {
          const known = reader.knownSize(path);
          const fileSize = known === undefined ? reader.sizeNow(path) : known;
          const end = offset + scanned.size[chunk]!;
          if (fileSize === null || fileSize < end || (!append && fileSize !== end)) {
            intact = false;
          } else {
            let content = reader.cached(path, offset, end);
            if (!content) {
              // Reading a window of the file may reuse the memory of the one before, which
              // holds chunks not hashed yet: hash them first.
              if (!digest(chunk)) break lines;
              content = reader.bytesNow(path, offset, end) ?? undefined;
            }
            if (content) contents[chunk] = content;
            else intact = false;
          }
        }
        if (!intact) {
          passed = at;
          break lines;
        }
        paths[chunk] = path;
      }
      for (let chunk = from; chunk < to; chunk++) {
        endBefore[chunk] = state.commitChunk(
          paths[chunk]!,
          scanned.offset[chunk]!,
          scanned.size[chunk]!,
          scanned.append[chunk]!,
          state.next + at,
        );
      }
      recorded = at + 1;
    }
    if (checkFiles) digest(scanned.chunkFrom[passed]!);
    for (
      let chunk = scanned.chunkFrom[recorded]! - 1;
      chunk >= scanned.chunkFrom[passed]!;
      chunk--
    ) {
      state.uncommitChunk(paths[chunk]!, endBefore[chunk]!);
    }
    return passed;
  };

  /**
   * Scans up to {@link BATCH_LINES} ordinary lines from `start`, whose seqs follow on from the
   * state's next; returns whether it stopped at a line that is not one (rather than at `end`
   * or a full batch).
   */
  const scan = (buffer: Buffer, start: number, end: number): boolean => {
    scanned.count = 0;
    let lineStart = start;
    while (scanned.count < BATCH_LINES) {
      if (lineStart >= end) return false;
      const newline = readOrdinaryLine(buffer, lineStart, end, line);
      if (newline < 0 || line.seq !== state.next + scanned.count) return true;
      scanned.push(line, newline);
      lineStart = newline + 1;
    }
    return false;
  };

  /**
   * Hashes the scanned lines in order, checking each one's stored hash and prev link; returns
   * how many lines passed before the first that did not.
   */
  const hashLines = (buffer: Buffer, view: DataView): number => {
    const { count, hashes } = scanned;
    for (let at = 0; at < count; at++) {
      // The first line links to the state's head; each later one to the stored hash of the
      // line before it, which has just been checked.
      const prevAt = scanned.prevAt[at]!;
      if (
        at > 0
          ? !sameBytes(view, prevAt, view, scanned.hashAt[at - 1]!)
          : !hexEquals(buffer, prevAt, state.head)
      ) {
        return at;
      }
      // The leaf hash: the byte before the entry object becomes the 0x00 leaf prefix while
      // it is hashed in place, and is put back.
      const prefixAt = scanned.entryStart[at]! - 1;
      const saved = buffer[prefixAt]!;
      buffer[prefixAt] = 0;
      const digest = oneShotHash(
        'sha256',
        buffer.subarray(prefixAt, scanned.entryEnd[at]!),
        'binary',
      );
      buffer[prefixAt] = saved;
      // Compared with the stored hash while it is kept: one pass over the digest.
      const hashAt = scanned.hashAt[at]!;
      let difference = 0;
      for (let index = 0; index < 32; index++) {
        const byte = digest.charCodeAt(index);
        hashes[32 * at + index] = byte;
        difference |= HEX_PAIRS[byte]! ^ view.getUint16(hashAt + 2 * index);
      }
      if (difference !== 0) return at;
    }
    return count;
  };

  let view: DataView = new DataView(new ArrayBuffer(0));
  return (buffer, start, end): ChainBlockProgress => {
    let lineStart = start;
    let lines = 0;
    if (view.buffer !== buffer.buffer || view.byteOffset !== buffer.byteOffset) {
      view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    }
    // The buffer holds other bytes than at the last call: positions in it are forgotten.
    knownPathCount = 0;
    let stopped = !enabled();
    while (!stopped && lineStart < end) {
      stopped = scan(buffer, lineStart, end);
      const hashed = hashLines(buffer, view);
      if (hashed < scanned.count) stopped = true;
      const passed = recordChunks(buffer, view, hashed);
      if (passed < hashed) stopped = true;
      state.acceptChecked(scanned.hashes, passed);
      if (passed > 0) {
        let chunkBytes = 0;
        if (checkFiles) {
          const to = scanned.chunkFrom[passed]!;
          for (let chunk = 0; chunk < to; chunk++) chunkBytes += scanned.size[chunk]!;
        }
        const next = scanned.newline[passed - 1]! + 1;
        addBytes(next - lineStart + chunkBytes);
        lineStart = next;
        lines += passed;
      }
    }
    progress.end = lineStart;
    progress.lines = lines;
    return progress;
  };
}

/** Each byte's two lowercase hex digits, as one big-endian 16-bit number (0xa5 → 0x6135, "a5"). */
const HEX_PAIRS = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  const digits = byte.toString(16).padStart(2, '0');
  HEX_PAIRS[byte] = (digits.charCodeAt(0) << 8) | digits.charCodeAt(1);
}

/**
 * Whether the 64 bytes at `position` of `view` are the lowercase hex digits of `digest`, a
 * 32-byte digest as `crypto.hash` returns it in `binary` (alias `latin1`: one character per
 * byte). Comparing two digits at a time in JavaScript costs less than having the digest
 * spelled out in hex and copied into a buffer to compare.
 */
function spells(view: DataView, position: number, digest: string): boolean {
  let difference = 0;
  for (let index = 0; index < 32; index++) {
    difference |= HEX_PAIRS[digest.charCodeAt(index)]! ^ view.getUint16(position + 2 * index);
  }
  return difference === 0;
}

/** Paths remembered by position in a block (a ledger's chunks go to a few files). */
const MAX_KNOWN_PATHS = 8;

/** Whether the `length` bytes at `position` and at `other` of `view` are the same. */
function sameRange(view: DataView, position: number, other: number, length: number): boolean {
  let index = 0;
  for (; index + 4 <= length; index += 4) {
    if (view.getUint32(position + index) !== view.getUint32(other + index)) return false;
  }
  for (; index < length; index++) {
    if (view.getUint8(position + index) !== view.getUint8(other + index)) return false;
  }
  return true;
}

/** Whether 64 bytes at `position` of `view` equal 64 bytes at `otherPosition` of `other`. */
function sameBytes(view: DataView, position: number, other: DataView, otherPosition: number) {
  for (let index = 0; index < 64; index += 4) {
    if (view.getUint32(position + index) !== other.getUint32(otherPosition + index)) return false;
  }
  return true;
}
