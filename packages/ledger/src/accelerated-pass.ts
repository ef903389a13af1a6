import { borrowBuffer, returnBuffer } from './buffer-pool';
import type { ChainBlockHandler } from './chain-reader';
import type { ChainState } from './chain-state';
import type { DataFileReader } from './data-file-reader';
import { hexEquals, isLedgerPath } from './entry';
import type { VerifyAccelerator } from './verify-accelerator';

/** What the accelerated pass of {@link verifyLedger} works on. */
export interface AcceleratedPassContext {
  /** The compiled accelerator. */
  readonly accelerator: VerifyAccelerator;
  /** The chain state the verifier builds; accepted entries are added to it. */
  readonly state: ChainState;
  /** Whether data file chunks are checked against their digests. */
  readonly checkFiles: boolean;
  /** Reads the data files' committed ranges. */
  readonly reader: DataFileReader;
  /** Counts bytes hashed, for the report. */
  readonly addBytes: (count: number) => void;
  /** Whether the pass may take lines now; `false` hands every line to the full decoder. */
  readonly enabled: () => boolean;
}

/** The accelerated pass: a block handler for {@link readChainLines}, and its clean-up. */
export interface AcceleratedPass {
  /** Takes runs of ordinary lines; see {@link createAcceleratedPass}. */
  readonly onBlock: ChainBlockHandler;
  /** Gives the pass's tables back to the buffer pool; the pass must not be used after. */
  readonly dispose: () => void;
}

/**
 * Most lines per call into the accelerator (a 4 MiB chunk of ordinary entries holds about
 * 10,000); there is room for two file digests per line.
 */
const MAX_LINES = 16_384;

/**
 * The most bytes of one data file read for one block. A block commits consecutive chunks of
 * each append-only file, a megabyte or two; chunks spread further apart than this (a chain
 * naming offsets far apart) are left to the full decoder, which reads them one at a time.
 */
const MAX_FILE_RANGE = 64 * 1024 * 1024;

/**
 * Creates the block handler through which verification takes ordinary entries in bulk. The
 * accelerator hashes and reads each block of lines; this pass links them to the chain state,
 * applies the data-file rules, and accepts the longest run that passes everything. The first
 * line that does not — signed, a snapshot, in a layout the accelerator does not read, or wrong
 * in any way — is left to the full decoder, which accepts it or reports exactly what is wrong,
 * and the pass picks up again after it. It never reports anything itself.
 */
export function createAcceleratedPass(context: AcceleratedPassContext): AcceleratedPass {
  const { accelerator, state, checkFiles } = context;
  const lineColumns = accelerator.lineColumns;
  const rowColumns = accelerator.rowColumns;
  // Tables sized for the blocks seen so far (a small ledger gets small ones), all in one
  // pooled buffer.
  let memory: Buffer | undefined;
  let capacity = 0;
  let lines: Float64Array = new Float64Array(0);
  let leaves: Uint8Array = new Uint8Array(0);
  let rows: Float64Array = new Float64Array(0);
  let chunks: Float64Array = new Float64Array(0);
  let chunkOk: Uint8Array = new Uint8Array(0);
  const reserve = (bytes: number) => {
    const wanted = Math.min(MAX_LINES, Math.ceil(bytes / 128) + 16);
    if (wanted <= capacity) return;
    capacity = wanted;
    const doubles = capacity * (lineColumns + 2 * rowColumns + 2 * 4);
    if (memory) returnBuffer(memory);
    memory = borrowBuffer(doubles * 8 + capacity * 32 + 2 * capacity);
    let offset = 0;
    const doublesView = (count: number) => {
      const view = new Float64Array(memory!.buffer, offset, count);
      offset += count * 8;
      return view;
    };
    lines = doublesView(capacity * lineColumns);
    rows = doublesView(2 * capacity * rowColumns);
    chunks = doublesView(2 * capacity * 4);
    leaves = new Uint8Array(memory.buffer, offset, capacity * 32);
    chunkOk = new Uint8Array(memory.buffer, offset + capacity * 32, 2 * capacity);
  };
  // Per row, an index into the block's few distinct paths (a typed array: a plain array sized
  // up front would fall into slow dictionary mode); -1 for a path that is not valid.
  let rowPath = new Int32Array(0);
  const paths: string[] = [];
  /** Each path's size when the block was read (`null`: missing, or files are not checked). */
  const sizes: (number | null)[] = [];
  let files: (Buffer | null)[] = [];

  // The current scan: lines read by the accelerator, from `cursor` on not yet consumed.
  let lineCount = 0;
  let rowCount = 0;
  let cursor = 0;
  /** File offset of the line at `cursor`; -1 when there is no scan to continue. */
  let cursorOffset = -1;
  /** The buffer the scan read (each file is read through a buffer of its own). */
  let scanned: Buffer | undefined;

  const scan = async (buffer: Buffer, start: number, end: number): Promise<void> => {
    reserve(end - start);
    [lineCount, rowCount] = accelerator.readChainLines(buffer, start, end, lines, rows);
    scanned = buffer;
    cursor = 0;
    // The helper hashes the block's entries while this thread reads the data files.
    const token = accelerator.startHashingLines(buffer, lines, lineCount, leaves);
    try {
      await readFiles(buffer, token);
    } finally {
      // Only when reading failed is the hand-over still pending: collect it before the
      // buffers it reads can be reused.
      accelerator.waitHashing(token);
    }
  };

  /** Reads the files the rows name and hashes the rest of the block; see {@link scan}. */
  const readFiles = async (buffer: Buffer, token: number): Promise<void> => {
    if (rowPath.length < rowCount) {
      rowPath = new Int32Array(rows.length / rowColumns);
    }
    paths.length = 0;
    sizes.length = 0;
    const lowest: number[] = [];
    const highest: number[] = [];
    // Path ids from the accelerator: rows with the same path bytes share one, so each path is
    // read and checked once per block.
    const byId = new Map<number, number>();
    for (let row = 0; row < rowCount; row++) {
      const at = row * rowColumns;
      const id = rows[at + 7]!;
      let known = byId.get(id);
      if (known === undefined) {
        const pathStart = rows[at + 1]!;
        const path = buffer.toString('latin1', pathStart, pathStart + rows[at + 2]!);
        const valid = isLedgerPath(path);
        known = valid ? paths.indexOf(path) : -1;
        if (valid && known < 0) {
          known = paths.push(path) - 1;
          lowest.push(Number.POSITIVE_INFINITY);
          highest.push(0);
        }
        byId.set(id, known);
      }
      rowPath[row] = known;
      if (known >= 0) {
        lowest[known] = Math.min(lowest[known]!, rows[at + 3]!);
        highest[known] = Math.max(highest[known]!, rows[at + 3]! + rows[at + 4]!);
      }
    }
    // One window per file over the bytes the block's rows committed (files[k + 1] for paths[k]).
    files = [null];
    const bases: number[] = [];
    for (let known = 0; known < paths.length; known++) {
      const size = checkFiles ? await context.reader.size(paths[known]!) : null;
      sizes.push(size);
      const from = lowest[known]!;
      const to = size === null ? 0 : Math.min(highest[known]!, size);
      const window =
        size !== null && from <= to && to - from <= MAX_FILE_RANGE
          ? await context.reader.window(paths[known]!, from, to)
          : null;
      files.push(window?.buffer ?? null);
      bases.push(window?.base ?? 0);
    }
    for (let row = 0; row < rowCount; row++) {
      const at = row * rowColumns;
      const known = rowPath[row]!;
      chunks[row * 4] = known + 1;
      chunks[row * 4 + 1] = rows[at + 3]! - (known >= 0 ? bases[known]! : 0);
      chunks[row * 4 + 2] = rows[at + 4]!;
      chunks[row * 4 + 3] = rows[at + 5]!;
    }
    accelerator.hashChainBlock(
      buffer,
      lines,
      lineCount,
      leaves,
      files,
      chunks,
      checkFiles ? rowCount : 0,
      chunkOk,
      token,
    );
  };

  /** Checks an entry's file rows against the state; applies them and returns true when all pass. */
  const acceptRows = (first: number, last: number, seq: number): boolean => {
    for (let row = first; row < last; row++) {
      const known = rowPath[row]!;
      if (known < 0) return false;
      for (let other = first; other < row; other++) if (rowPath[other] === known) return false;
      const path = paths[known]!;
      const at = row * rowColumns;
      const offset = rows[at + 3]!;
      const size = rows[at + 4]!;
      const append = rows[at + 6] === 1;
      const file = state.files.get(path);
      if (file ? !file.append || !append || offset !== file.end : offset !== 0) return false;
      if (checkFiles) {
        const fileSize = sizes[known];
        const end = offset + size;
        if (fileSize == null || fileSize < end || (!append && fileSize !== end)) return false;
        if (chunkOk[row] !== 1) return false;
      }
    }
    for (let row = first; row < last; row++) {
      const path = paths[rowPath[row]!]!;
      const at = row * rowColumns;
      const end = rows[at + 3]! + rows[at + 4]!;
      const file = state.files.get(path);
      if (file) file.end = end;
      else state.files.set(path, { end, append: rows[at + 6] === 1, firstSeq: seq });
      if (checkFiles) context.addBytes(rows[at + 4]!);
    }
    return true;
  };

  const onBlock: ChainBlockHandler = async (buffer, start, end, fileOffset) => {
    if (!context.enabled()) return { end: start, lines: 0 };
    let position = start;
    let consumed = 0;
    if (buffer !== scanned || fileOffset !== cursorOffset) await scan(buffer, position, end);
    for (;;) {
      const first = cursor;
      let seq = state.next;
      let index = first;
      for (; index < lineCount; index++) {
        const at = index * lineColumns;
        if (lines[at] !== 1 || lines[at + 1] !== seq) break;
        const linked =
          index > first ? lines[at + 5] === 1 : hexEquals(buffer, lines[at + 2]!, state.head);
        if (!linked) break;
        const rowsEnd = index + 1 < lineCount ? lines[at + lineColumns + 4]! : rowCount;
        if (!acceptRows(lines[at + 4]!, rowsEnd, seq)) break;
        seq++;
      }
      const accepted = index - first;
      state.acceptVerified(leaves.subarray(first * 32), accepted);
      consumed += accepted;
      const stop = accepted === 0 ? position : lines[(index - 1) * lineColumns + 3]! + 1;
      context.addBytes(stop - position);
      position = stop;
      if (index < lineCount) {
        // The line at `index` goes to the full decoder; the scan continues after it.
        cursor = index + 1;
        cursorOffset = fileOffset + (lines[index * lineColumns + 3]! + 1 - start);
        return { end: position, lines: consumed };
      }
      cursorOffset = -1;
      // Every line read was accepted; read on when the accelerator stopped early (full tables).
      if (position >= end || lineCount === 0) return { end: position, lines: consumed };
      await scan(buffer, position, end);
    }
  };
  return {
    onBlock,
    dispose: () => {
      if (memory) returnBuffer(memory);
      memory = undefined;
      capacity = 0;
      scanned = undefined;
    },
  };
}
