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
 * The fast path of verification: a block handler for `readChainLines` that takes ordinary
 * lines (see {@link readOrdinaryLine}) straight from the read buffer. For each line it reads
 * the canonical layout with a byte scanner, hashes the entry in place, checks seq, prev and
 * the committed chunks against the chain state, and records the entry — without building an
 * entry object. It stops at the first line it cannot vouch for (signed, a snapshot, any other
 * layout, or anything wrong), which then goes to the full decoder: that one accepts it or
 * reports it, so the report is the same whether or not a line went through here.
 */
export function createOrdinaryEntryPass(context: OrdinaryEntryContext): ChainBlockHandler {
  const { state, reader, checkFiles, addBytes, enabled } = context;
  if (state.tracksRecords) throw new Error('the ordinary-entry pass needs a state without records');
  const line = new OrdinaryLine();
  const internPath = createLatin1Interner();
  const paths: string[] = [];
  const progress = { end: 0, lines: 0 };

  /** Checks the line's chunks against the state and the files; records nothing. */
  const chunksIntact = (buffer: Buffer, view: DataView): boolean => {
    for (let index = 0; index < line.fileCount; index++) {
      const path = internPath(buffer, line.pathStart[index]!, line.pathEnd[index]!);
      if (!isLedgerPath(path)) return false;
      for (let other = 0; other < index; other++) if (paths[other] === path) return false;
      paths[index] = path;
      const offset = line.offset[index]!;
      const size = line.size[index]!;
      const append = line.append[index]!;
      const committed = state.files.get(path);
      if (committed ? !committed.append || !append || offset !== committed.end : offset !== 0)
        return false;
      if (!checkFiles) continue;
      const known = reader.knownSize(path);
      const fileSize = known === undefined ? reader.sizeNow(path) : known;
      const end = offset + size;
      if (fileSize === null || fileSize < end || (!append && fileSize !== end)) return false;
      const content = reader.cached(path, offset, end) ?? reader.bytesNow(path, offset, end);
      if (!content) return false;
      if (!sameHex(view, line.sha256At[index]!, oneShotHash('sha256', content, 'hex')))
        return false;
    }
    return true;
  };

  let view: DataView = new DataView(new ArrayBuffer(0));
  return (buffer, start, end): ChainBlockProgress => {
    let lineStart = start;
    let lines = 0;
    if (view.buffer !== buffer.buffer || view.byteOffset !== buffer.byteOffset) {
      view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    }
    // Where the previous accepted line of this block keeps its hash (hex): the next line's
    // prev is compared with those bytes, else with the state's head.
    let previousHashAt = -1;
    if (enabled()) {
      while (lineStart < end) {
        const newline = readOrdinaryLine(buffer, lineStart, end, line);
        if (newline < 0 || line.seq !== state.next) break;
        if (
          previousHashAt >= 0
            ? !sameBytes(view, line.prevAt, view, previousHashAt)
            : !hexEquals(buffer, line.prevAt, state.head)
        ) {
          break;
        }
        // The leaf hash: the byte before the entry object becomes the 0x00 leaf prefix while
        // it is hashed in place, and is put back.
        const prefixAt = line.entryStart - 1;
        const saved = buffer[prefixAt]!;
        buffer[prefixAt] = 0;
        const hash = oneShotHash('sha256', buffer.subarray(prefixAt, line.entryEnd), 'hex');
        buffer[prefixAt] = saved;
        if (!sameHex(view, line.hashAt, hash)) break;
        if (line.fileCount > 0 && !chunksIntact(buffer, view)) break;
        let chunkBytes = 0;
        for (let index = 0; index < line.fileCount; index++) {
          state.commitChunk(
            paths[index]!,
            line.offset[index]!,
            line.size[index]!,
            line.append[index]!,
            line.seq,
          );
          chunkBytes += line.size[index]!;
        }
        state.acceptChecked(hash, buffer, line.hashAt);
        addBytes(newline + 1 - lineStart + (checkFiles ? chunkBytes : 0));
        previousHashAt = line.hashAt;
        lineStart = newline + 1;
        lines++;
      }
    }
    progress.end = lineStart;
    progress.lines = lines;
    return progress;
  };
}

/** Holds a computed hash (hex) as bytes, for comparisons four bytes at a time. */
const scratch = Buffer.allocUnsafe(64);
const scratchView = new DataView(scratch.buffer, scratch.byteOffset, 64);

/** Whether the 64 bytes at `position` of `view` spell `hex` (64 one-byte characters). */
function sameHex(view: DataView, position: number, hex: string): boolean {
  scratch.write(hex, 0, 64, 'latin1');
  return sameBytes(view, position, scratchView, 0);
}

/** Whether 64 bytes at `position` of `view` equal 64 bytes at `otherPosition` of `other`. */
function sameBytes(view: DataView, position: number, other: DataView, otherPosition: number) {
  for (let index = 0; index < 64; index += 4) {
    if (view.getUint32(position + index) !== other.getUint32(otherPosition + index)) return false;
  }
  return true;
}
