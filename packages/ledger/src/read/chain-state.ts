import type { LedgerDiagnosticCode } from '../diagnostic-codes';
import { GENESIS_PREV, type LedgerEntry } from '../format/entry';
import { writeHex } from '../format/hex-digits';
import { parseSnapshotBody, SNAPSHOT_TYPE, type SnapshotBody } from '../format/snapshot';
import { createFrontier, type MerkleFrontier } from '../transparency/merkle';

/** What the chain has committed for one data file. */
export interface FileState {
  /** Committed length: the file's bytes past this offset were never chained. */
  end: number;
  /** Whether the file is append-only (grows by chunks) rather than written once. */
  readonly append: boolean;
  /** The entry that first wrote the file. */
  readonly firstSeq: number;
}

/** A break in the chain found while replaying it. */
export interface LinkProblem {
  /** Diagnostic code. */
  readonly code: LedgerDiagnosticCode;
  /** What is wrong. */
  readonly message: string;
}

/**
 * The state a replay of the chain builds up: where the chain ends, the Merkle frontier, every
 * leaf hash (for proofs), which files each entry committed, which runs are open, which
 * decisions have outcomes. Writers keep one in memory and extend it under the lock; the
 * verifier builds one from scratch.
 */
export class ChainState {
  /** The seq the next entry must have. */
  next = 0;
  /** Hash of the last entry; `undefined` until asked for after {@link acceptChecked}. */
  #head: string | undefined = GENESIS_PREV;
  /** The seq of the first entry in the live chain file (greater than 0 after archiving). */
  base = 0;
  /** The Merkle tree of all entries, including archived ones. */
  frontier: MerkleFrontier = createFrontier();
  /** Data files committed so far, by path. */
  readonly files = new Map<string, FileState>();
  /** Runs by id: number of steps and whether they finished. */
  readonly runs = new Map<string, { steps: number; finished: boolean }>();
  /** Decisions by id: whether their outcome was recorded. */
  readonly decisions = new Map<string, { outcome: boolean }>();
  /** Lines of `coordination_log.jsonl` committed so far. */
  coordinationLines = 0;
  /** The snapshot the state started from, when the entries before it were not available. */
  startSnapshot: SnapshotBody | undefined;
  /** The last snapshot entry accepted: its seq. */
  lastSnapshotSeq: number | undefined;
  private baseNodes: Uint8Array[] = [];
  private leaves: Buffer = Buffer.alloc(32 * 1024);
  private readonly records: boolean;
  private readonly merkle: boolean;

  /**
   * @param options.records - Track runs, decisions and the coordination log (writers need
   * them to refuse invalid records; verification does not). Default `true`.
   * @param options.merkle - Maintain the Merkle frontier (one node hash per entry on average).
   * Default `true`.
   * @param options.leaves - Where to keep the entries' hashes (32 bytes each, contents
   * ignored); a larger buffer replaces it when the chain outgrows it. Default: 1,024 entries'
   * worth, grown as needed.
   */
  constructor({
    records = true,
    merkle = true,
    leaves,
  }: { records?: boolean; merkle?: boolean; leaves?: Buffer } = {}) {
    this.records = records;
    this.merkle = merkle;
    if (leaves && leaves.length >= 32) this.leaves = leaves;
  }

  /** Hash of the last entry (hex; 64 zeros before the first). */
  get head(): string {
    if (this.#head === undefined) this.#head = this.leafHex(this.next - 1)!;
    return this.#head;
  }

  set head(hash: string) {
    this.#head = hash;
  }

  /**
   * An independent copy of this state: accepting entries into the copy leaves this one as it
   * is. Readers keep a copy of the state at the end of the chain so that the next read can go
   * on from there instead of from the first line.
   */
  clone(): ChainState {
    const copy = new ChainState({
      records: this.records,
      merkle: this.merkle,
      leaves: Buffer.from(this.leaves),
    });
    copy.next = this.next;
    copy.head = this.head;
    copy.base = this.base;
    copy.frontier = this.merkle
      ? createFrontier({
          size: this.frontier.size,
          nodes: this.frontier.nodes().map((node) => new Uint8Array(Buffer.from(node, 'hex'))),
        })
      : this.frontier;
    for (const [path, file] of this.files) copy.files.set(path, { ...file });
    for (const [id, run] of this.runs) copy.runs.set(id, { ...run });
    for (const [id, decision] of this.decisions) copy.decisions.set(id, { ...decision });
    copy.coordinationLines = this.coordinationLines;
    copy.startSnapshot = this.startSnapshot;
    copy.lastSnapshotSeq = this.lastSnapshotSeq;
    copy.baseNodes = [...this.baseNodes];
    return copy;
  }

  /** The hash of entry `seq` (hex), if it is in the live chain. */
  leafHash(seq: number): Uint8Array | undefined {
    if (seq < this.base || seq >= this.next) return undefined;
    const at = (seq - this.base) * 32;
    return new Uint8Array(this.leaves.buffer, this.leaves.byteOffset + at, 32);
  }

  /** The hash of entry `seq` as hex, if it is in the live chain. */
  leafHex(seq: number): string | undefined {
    if (seq < this.base || seq >= this.next) return undefined;
    const at = (seq - this.base) * 32;
    return this.leaves.toString('hex', at, at + 32);
  }

  /**
   * Checks that `entry` continues the chain, then records it. Returns the problem instead when
   * it does not; the state is then unchanged.
   */
  accept(entry: LedgerEntry): LinkProblem | undefined {
    if (this.next === 0 && entry.seq > 0 && entry.type === SNAPSHOT_TYPE) {
      const started = this.startFrom(entry);
      if (started) return started;
    }
    const problem =
      this.checkLink(entry) ??
      (entry.files.length > 0 ? this.checkFiles(entry) : undefined) ??
      (entry.type === SNAPSHOT_TYPE ? this.checkSnapshot(entry) : undefined);
    if (problem) return problem;
    if (entry.type === SNAPSHOT_TYPE) this.lastSnapshotSeq = entry.seq;
    const at = (this.next - this.base) * 32;
    this.reserveLeaves(at + 32);
    writeHex(this.leaves, at, entry.hash);
    if (this.merkle) this.frontier.push(this.leaves.subarray(at, at + 32));
    this.next++;
    this.head = entry.hash;
    for (const file of entry.files) {
      this.commitChunk(file.path, file.offset, file.size, file.append === true, entry.seq);
    }
    if (this.records) this.applyRecord(entry);
    return undefined;
  }

  /**
   * Records `count` consecutive entries that are not snapshots and whose seqs, prevs, hashes
   * and file chunks the caller has already checked against this state (as {@link accept}
   * would), given their hashes as 32 bytes each at the start of `hashes`; the caller records
   * their chunks with {@link commitChunk}. Only for a state that does not track records. This
   * is how verification takes ordinary lines without an entry object for each; the last hash
   * in hex ({@link head}) is only spelled out when asked for.
   */
  acceptChecked(hashes: Uint8Array, count: number): void {
    if (count <= 0) return;
    const at = (this.next - this.base) * 32;
    this.reserveLeaves(at + 32 * count);
    this.leaves.set(hashes.subarray(0, 32 * count), at);
    if (this.merkle) {
      for (let index = 0; index < count; index++) {
        this.frontier.push(this.leaves.subarray(at + 32 * index, at + 32 * index + 32));
      }
    }
    this.next += count;
    this.#head = undefined;
  }

  /**
   * Records that entry `seq` committed `size` bytes at `offset` of `path`. Returns the file's
   * committed end before, or -1 when this chunk is the file's first (see {@link uncommitChunk}).
   */
  commitChunk(path: string, offset: number, size: number, append: boolean, seq: number): number {
    const state = this.files.get(path);
    if (!state) {
      this.files.set(path, { end: offset + size, append, firstSeq: seq });
      return -1;
    }
    const before = state.end;
    state.end = offset + size;
    return before;
  }

  /**
   * Takes back the last chunk {@link commitChunk} recorded for `path`, given what it returned.
   * Chunks are taken back in the reverse order of their recording.
   */
  uncommitChunk(path: string, endBefore: number): void {
    if (endBefore < 0) this.files.delete(path);
    else {
      const state = this.files.get(path);
      if (state) state.end = endBefore;
    }
  }

  /** Whether the state tracks runs, decisions and the coordination log. */
  get tracksRecords(): boolean {
    return this.records;
  }

  /** Grows the leaf buffer (doubling) until it holds `bytes`. */
  private reserveLeaves(bytes: number): void {
    if (bytes <= this.leaves.length) return;
    let capacity = this.leaves.length;
    while (capacity < bytes) capacity *= 2;
    const grown = Buffer.alloc(capacity);
    this.leaves.copy(grown);
    this.leaves = grown;
  }

  /** The Merkle root of the first `size` entries, when they are known (not archived away). */
  rootAt(size: number): Uint8Array | undefined {
    if (size < this.base || size > this.next) return undefined;
    if (this.merkle && size === this.next) return this.frontier.root();
    const frontier = createFrontier(
      this.base > 0 ? { size: this.base, nodes: this.baseNodes } : undefined,
    );
    for (let seq = this.base; seq < size; seq++) frontier.push(this.leafHash(seq)!);
    return frontier.root();
  }

  /** Starts the state from a snapshot entry: the chain's earlier entries were archived. */
  private startFrom(entry: LedgerEntry): LinkProblem | undefined {
    const body = parseSnapshotBody(entry.body);
    if (typeof body === 'string') return { code: 'ledger/snapshot-mismatch', message: body };
    if (body.size !== entry.seq) {
      return {
        code: 'ledger/snapshot-mismatch',
        message: `the snapshot at entry ${entry.seq} claims ${body.size} earlier entries`,
      };
    }
    const nodes = body.frontier.map((node) => new Uint8Array(Buffer.from(node, 'hex')));
    let frontier: MerkleFrontier;
    try {
      frontier = createFrontier({ size: body.size, nodes });
    } catch {
      return {
        code: 'ledger/snapshot-mismatch',
        message: 'the snapshot frontier does not fit its size',
      };
    }
    if (Buffer.from(frontier.root()).toString('hex') !== body.root) {
      return {
        code: 'ledger/snapshot-mismatch',
        message: 'the snapshot frontier does not hash to its root',
      };
    }
    this.base = entry.seq;
    this.next = entry.seq;
    this.head = entry.prev;
    this.baseNodes = nodes;
    this.frontier = frontier;
    this.startSnapshot = body;
    for (const file of body.files) {
      this.files.set(file.path, {
        end: file.size,
        append: file.append === true,
        firstSeq: entry.seq,
      });
    }
    for (const run of body.runs)
      this.runs.set(run.id, { steps: run.steps, finished: run.finished });
    for (const decision of body.decisions)
      this.decisions.set(decision.id, { outcome: decision.outcome });
    this.coordinationLines = body.coordination_lines;
    return undefined;
  }

  /** Checks a snapshot's claims against the state the chain built. */
  private checkSnapshot(entry: LedgerEntry): LinkProblem | undefined {
    const body = parseSnapshotBody(entry.body);
    if (typeof body === 'string') return { code: 'ledger/snapshot-mismatch', message: body };
    const mismatch = (message: string): LinkProblem => ({
      code: 'ledger/snapshot-mismatch',
      message: `snapshot entry ${entry.seq}: ${message}`,
    });
    if (body.size !== entry.seq) return mismatch(`claims ${body.size} earlier entries`);
    const root = this.rootAt(entry.seq);
    if (root && Buffer.from(root).toString('hex') !== body.root)
      return mismatch('its root is not the root of the entries before it');
    if (body.files.length !== this.files.size)
      return mismatch('its file list differs from the files the chain committed');
    for (const file of body.files) {
      const state = this.files.get(file.path);
      if (!state || state.end !== file.size || state.append !== (file.append === true)) {
        return mismatch(`${file.path} is not recorded as the chain committed it`);
      }
    }
    return undefined;
  }

  private checkLink(entry: LedgerEntry): LinkProblem | undefined {
    if (entry.seq === this.next && entry.prev === this.head) return undefined;
    if (entry.seq < this.next) {
      if (this.leafHex(entry.seq) === entry.hash) {
        return {
          code: 'ledger/duplicate-entry',
          message: `entry ${entry.seq} appears again where entry ${this.next} belongs`,
        };
      }
      return {
        code: 'ledger/out-of-order',
        message: `expected entry ${this.next}, found an entry numbered ${entry.seq} (entries were reordered or inserted)`,
      };
    }
    if (entry.seq > this.next) {
      return {
        code: 'ledger/missing-entry',
        message: `expected entry ${this.next}, found entry ${entry.seq} (entries were deleted or reordered)`,
      };
    }
    return {
      code: 'ledger/broken-link',
      message: `entry ${entry.seq} does not follow the previous entry: its prev is ${entry.prev.slice(0, 16)}…, the previous entry's hash is ${this.head.slice(0, 16)}… (an entry was inserted or replaced)`,
    };
  }

  private checkFiles(entry: LedgerEntry): LinkProblem | undefined {
    // Most entries commit one chunk: only build the duplicate check when there are several.
    const seen = entry.files.length > 1 ? new Set<string>() : undefined;
    for (const file of entry.files) {
      if (seen?.has(file.path))
        return { code: 'ledger/file-conflict', message: `${file.path} is listed twice` };
      seen?.add(file.path);
      const state = this.files.get(file.path);
      if (!state) {
        if (file.offset !== 0) {
          return {
            code: 'ledger/file-conflict',
            message: `${file.path} starts at offset ${file.offset}, not 0`,
          };
        }
        continue;
      }
      if (!state.append || file.append !== true) {
        return {
          code: 'ledger/file-conflict',
          message: `${file.path} was already written by entry ${state.firstSeq} and may not be written again`,
        };
      }
      if (file.offset !== state.end) {
        return {
          code: 'ledger/file-conflict',
          message: `${file.path} chunk starts at ${file.offset}, but the committed file ends at ${state.end}`,
        };
      }
    }
    return undefined;
  }

  private applyRecord(entry: LedgerEntry): void {
    const body = entry.body;
    switch (entry.type) {
      case 'run.started':
        this.runs.set(String(body.run_id), { steps: 0, finished: false });
        break;
      case 'run.step': {
        const run = this.runs.get(String(body.run_id));
        if (run) run.steps++;
        break;
      }
      case 'run.finished': {
        const run = this.runs.get(String(body.run_id));
        if (run) run.finished = true;
        break;
      }
      case 'decision.recorded':
        this.decisions.set(String(body.decision_id), { outcome: body.has_outcome === true });
        break;
      case 'decision.outcome': {
        const decision = this.decisions.get(String(body.decision_id));
        if (decision) decision.outcome = true;
        break;
      }
      case 'coordination.logged':
        this.coordinationLines++;
        break;
      default:
        break;
    }
  }
}
