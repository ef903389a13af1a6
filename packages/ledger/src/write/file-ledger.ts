import {
  closeSync,
  fdatasync,
  fstatSync,
  ftruncateSync,
  openSync,
  statSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, readFile, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  type Clock,
  canonicalJson,
  createDiagnostic,
  createId,
  createSha256,
  type Diagnostic,
  InvalidArgumentError,
  type Signer,
  syncFolder,
  systemClock,
  withFileLock,
  writeFileAtomic,
} from '@karnel/core';
import { stringify as stringifyYaml } from 'yaml';
import { readChainLines } from '../read/chain-reader';
import { ChainState } from '../read/chain-state';
import { type Checkpoint, createCheckpoint } from '../transparency/checkpoint';
import {
  decodeEntryLine,
  encodeEntry,
  type FileDigest,
  isLedgerPath,
  isRecordType,
  type LedgerEntry,
} from '../format/entry';
import { LedgerIntegrityError, LedgerStateError } from '../errors';
import {
  archiveSegmentPath,
  CHAIN_FILE,
  COORDINATION_LOG,
  decisionPaths,
  LOCK_FILE,
  listArchiveSegments,
  outcomePath,
  recordFilesDir,
  resolveLedgerPath,
  runPaths,
} from '../format/layout';
import { consistencyPath, inclusionPath } from '../transparency/merkle';
import { SNAPSHOT_TYPE, type SnapshotBody, type SnapshotFile } from '../format/snapshot';
import { isPlausibleTornTail } from '../format/torn-tail';
import { type VerifyOptions, type VerifyReport, verifyLedger } from '../verify/verify-ledger';

const fdatasyncAsync = promisify(fdatasync);

/** Group commit settings: how long appends may wait to share one fsync. */
export interface GroupCommitOptions {
  /** Longest wait, from the first queued append, before a batch is written. Default 2 ms. */
  readonly maxDelayMs?: number;
  /** Most appends written with one fsync. Default 512. */
  readonly maxBatch?: number;
}

/** Options of {@link openLedger}. */
export interface OpenLedgerOptions {
  /** Signs every entry this ledger writes, unless an append passes its own signer. */
  readonly signer?: Signer;
  /** Where entry times come from. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Batch concurrent appends so that they share fsyncs. Each append still resolves only once
   * its entry is on disk. `true` uses the defaults of {@link GroupCommitOptions}. Default `false`.
   */
  readonly groupCommit?: boolean | GroupCommitOptions;
  /** How long to wait for another process's write lock. Default 30 000 ms. */
  readonly lockTimeoutMs?: number;
}

/** A record for the generic {@link Ledger.append}. */
export interface AppendRecord {
  /** Dotted lowercase type: `approval.requested`, `grant.issued`, `spend.recorded`, … */
  readonly type: string;
  /** The record's content (any JSON object). */
  readonly body: Record<string, unknown>;
  /**
   * Files to store with the record, by name (`evidence.json`, `diff/patch.txt`); they are
   * written to `records/<ent_id>/<name>` and their digests committed by the entry.
   */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
}

/** Options of a single append. */
export interface AppendOptions {
  /** Signs this entry (instead of the ledger's default signer). */
  readonly signer?: Signer;
}

/** What {@link Ledger.startRun} records. */
export interface StartRunInput {
  /** The run's id; a new `run_…` id by default. */
  readonly runId?: string;
  /** What this run is (agent, trigger, goal, model tier …); stored as `manifest.json`. */
  readonly manifest?: Record<string, unknown>;
}

/** The result of {@link Ledger.startRun}. */
export interface StartedRun {
  /** The run's id. */
  readonly runId: string;
  /** The `run.started` entry. */
  readonly entry: LedgerEntry;
}

/** What {@link Ledger.recordDecision} records. */
export interface RecordDecisionInput {
  /** The decision's id; a new `dec_…` id by default. */
  readonly decisionId?: string;
  /** What was known when deciding; stored as `context.yaml`. */
  readonly context: Record<string, unknown>;
  /** Why; stored as `reasoning.md`. */
  readonly reasoning: string;
  /** The outcome, if already observable; otherwise record it later with {@link Ledger.recordOutcome}. */
  readonly outcome?: Record<string, unknown>;
  /** The run the decision was taken in, if any. */
  readonly runId?: string;
}

/** The result of {@link Ledger.recordDecision}. */
export interface RecordedDecision {
  /** The decision's id. */
  readonly decisionId: string;
  /** The `decision.recorded` entry. */
  readonly entry: LedgerEntry;
}

/** What {@link Ledger.recordOutcome} records. */
export interface RecordOutcomeInput {
  /** The decision whose outcome this is: written to `decisions/<id>/outcome.yaml`. */
  readonly decisionId?: string;
  /** Without a decision: the id of a group outcome in `outcomes/` (a new `out_…` by default). */
  readonly outcomeId?: string;
  /** Goals the outcome is attributed to. */
  readonly goals?: readonly string[];
  /** What happened. */
  readonly outcome: Record<string, unknown>;
}

/** Options of {@link Ledger.entries}. */
export interface EntriesOptions {
  /** First seq to yield. Default 0. */
  readonly fromSeq?: number;
  /** Only entries of this type, or whose type starts with this prefix followed by a dot. */
  readonly type?: string;
}

/** Options of {@link Ledger.checkpoint}. */
export interface CheckpointOptions {
  /** The checkpoint's origin line. Default `karnel.ledger/<hash of entry 0>`. */
  readonly origin?: string;
  /** More signers (witnesses, co-owners) to sign the same checkpoint. */
  readonly cosigners?: readonly Signer[];
}

/** An inclusion proof: entry `seq` is in the tree of `size` entries. */
export interface InclusionProof {
  /** The entry's seq (its leaf index). */
  readonly seq: number;
  /** The entry's hash (its RFC 6962 leaf hash), hex. */
  readonly hash: string;
  /** The tree size the proof is for. */
  readonly size: number;
  /** The tree's root, hex. */
  readonly root: string;
  /** Sibling hashes from the leaf up, hex. */
  readonly path: readonly string[];
}

/** A consistency proof: the tree of `oldSize` entries is a prefix of the tree of `newSize`. */
export interface ConsistencyProof {
  /** The older tree size. */
  readonly oldSize: number;
  /** The older root, hex. */
  readonly oldRoot: string;
  /** The newer tree size. */
  readonly newSize: number;
  /** The newer root, hex. */
  readonly newRoot: string;
  /** The proof's node hashes, hex. */
  readonly path: readonly string[];
}

/**
 * An open ledger: the only way Karnel packages write accountability records. Every method
 * that writes resolves only when the entry (and any file it commits) is on disk.
 */
export interface Ledger {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** The ledger folder. */
  readonly dir: string;
  /** What opening repaired: a torn last line dropped after a crash (reported, never silent). */
  readonly recovered: readonly Diagnostic[];
  /** Appends any record type; used by policy, workers, coordination and treasury. */
  append(record: AppendRecord, options?: AppendOptions): Promise<LedgerEntry>;
  /** Starts a run: writes `runs/<id>/manifest.json` and a `run.started` entry. */
  startRun(input?: StartRunInput, options?: AppendOptions): Promise<StartedRun>;
  /** Appends a step (tool call, decision, cost …) to `runs/<id>/steps.jsonl` with a `run.step` entry. */
  appendStep(
    runId: string,
    step: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry>;
  /** Finishes a run: writes `runs/<id>/outcome.yaml` and a `run.finished` entry. */
  finishRun(
    runId: string,
    outcome: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry>;
  /** Records a decision: `decisions/<id>/context.yaml`, `reasoning.md` (and `outcome.yaml` if known). */
  recordDecision(input: RecordDecisionInput, options?: AppendOptions): Promise<RecordedDecision>;
  /** Records an outcome: a decision's `outcome.yaml`, or a group outcome in `outcomes/`. */
  recordOutcome(input: RecordOutcomeInput, options?: AppendOptions): Promise<LedgerEntry>;
  /** Appends an event to `coordination_log.jsonl` with a `coordination.logged` entry. */
  appendCoordination(event: Record<string, unknown>, options?: AppendOptions): Promise<LedgerEntry>;
  /** Streams the entries on disk in chain order. */
  entries(options?: EntriesOptions): AsyncIterable<LedgerEntry>;
  /** Verifies the whole ledger (see {@link verifyLedger}). */
  verify(options?: VerifyOptions): Promise<VerifyReport>;
  /** Signs a checkpoint of the ledger as it is on disk now. */
  checkpoint(signer: Signer, options?: CheckpointOptions): Promise<Checkpoint>;
  /** Proves that entry `seq` is in the tree of `size` entries (default: the current size). */
  proveInclusion(seq: number, size?: number): Promise<InclusionProof>;
  /** Proves that the tree of `oldSize` entries is a prefix of the tree of `newSize` (default: current). */
  proveConsistency(oldSize: number, newSize?: number): Promise<ConsistencyProof>;
  /**
   * Appends a signed `ledger.snapshot` entry recording everything needed to continue the chain
   * without the entries before it (Merkle frontier, committed file digests, open runs). It is
   * the anchor of {@link Ledger.archive}.
   */
  snapshot(signer: Signer): Promise<LedgerEntry>;
  /**
   * Moves every entry before the latest snapshot to `archive/chain-<first>-<last>.jsonl`; the
   * live chain then starts at the snapshot. The archive can later be moved elsewhere: the chain
   * stays verifiable from the signed snapshot, and fully verifiable with the archive.
   */
  archive(): Promise<ArchiveResult>;
  /** Waits for queued appends, then releases the ledger. */
  close(): Promise<void>;
}

/** The result of {@link Ledger.archive}. */
export interface ArchiveResult {
  /** Number of entries moved to the archive. */
  readonly archived: number;
  /** The archive segment written, relative to the ledger folder. */
  readonly segment: string;
  /** The seq the live chain now starts at (the snapshot's). */
  readonly base: number;
}

/** One data file write of a prepared record. */
interface FileWrite {
  readonly path: string;
  readonly data: Buffer;
  readonly append: boolean;
}

/** A record ready to be chained, produced under the lock from the current state. */
interface PreparedRecord {
  readonly type: string;
  readonly body: Record<string, unknown>;
  readonly files: readonly FileWrite[];
}

interface Pending {
  readonly prepare: (state: ChainState, time: string) => PreparedRecord | Promise<PreparedRecord>;
  readonly signer: Signer | undefined;
  readonly resolve: (entry: LedgerEntry) => void;
  readonly reject: (error: unknown) => void;
}

/** Record types only the typed methods may write: generic appends could corrupt their state. */
const RESERVED_TYPES = new Set([
  'run.started',
  'run.step',
  'run.finished',
  'decision.recorded',
  'decision.outcome',
  'outcome.recorded',
  'coordination.logged',
]);

/**
 * Opens (or prepares to create) the ledger in `dir`. Replays the chain to learn its state, and
 * drops a torn last line left by a crash (reported in {@link Ledger.recovered}). A missing or
 * empty folder is a valid, empty ledger; nothing is created until the first append.
 *
 * @throws {LedgerIntegrityError} when the chain is damaged anywhere but a torn tail: a writer
 * must not bury tampering under new entries.
 */
export async function openLedger(dir: string, options: OpenLedgerOptions = {}): Promise<Ledger> {
  const ledger = new FileLedger(dir, options);
  await ledger.load();
  return ledger;
}

class FileLedger implements Ledger {
  readonly specificationVersion = 'v1' as const;
  readonly dir: string;
  readonly recovered: Diagnostic[] = [];
  private readonly chainPath: string;
  private readonly lockPath: string;
  private readonly signer: Signer | undefined;
  private readonly clock: Clock;
  private readonly lockTimeoutMs: number;
  private readonly group: { maxDelayMs: number; maxBatch: number } | undefined;
  private state = new ChainState();
  private chainEnd = 0;
  private chainLines = 0;
  private chainIno: number | undefined;
  /** Whether the live chain may start with entries the archive already holds (a crash mid-archive). */
  private overlap = false;
  /** Where the last snapshot entry of the live chain starts (byte offset), for archiving. */
  private lastSnapshot: { seq: number; offset: number } | undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private createdDir = false;

  constructor(
    dir: string,
    { signer, clock = systemClock, groupCommit = false, lockTimeoutMs = 30_000 }: OpenLedgerOptions,
  ) {
    this.dir = dir;
    this.chainPath = join(dir, CHAIN_FILE);
    this.lockPath = join(dir, LOCK_FILE);
    this.signer = signer;
    this.clock = clock;
    this.lockTimeoutMs = lockTimeoutMs;
    if (groupCommit) {
      const { maxDelayMs = 2, maxBatch = 512 } = groupCommit === true ? {} : groupCommit;
      this.group = { maxDelayMs, maxBatch };
    }
  }

  async load(): Promise<void> {
    const exists = await stat(this.dir).then(
      (info) => info.isDirectory(),
      () => false,
    );
    if (!exists) return;
    this.createdDir = true;
    await this.withLock(() => this.catchUp());
  }

  private withLock<T>(task: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath, task, { timeoutMs: this.lockTimeoutMs });
  }

  /** Reads entries other writers appended since we last looked. Must hold the lock. */
  private async catchUp(): Promise<void> {
    let info: import('node:fs').Stats | undefined;
    try {
      info = statSync(this.chainPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (!info) {
      if (this.chainEnd > 0)
        throw this.integrityError(1, 'ledger/truncated', 'the chain file disappeared');
      return;
    }
    if (this.chainIno !== undefined && info.ino !== this.chainIno) this.reset();
    if (info.size < this.chainEnd) {
      throw this.integrityError(
        this.chainLines,
        'ledger/truncated',
        `the chain file shrank below ${this.chainEnd} bytes`,
      );
    }
    this.chainIno = info.ino;
    if (this.chainEnd === 0 && this.state.next === 0) await this.replayArchive();
    if (info.size === this.chainEnd) return;
    let failure: LedgerIntegrityError | undefined;
    const tail = await readChainLines(
      this.chainPath,
      (line) => {
        const decoded = decodeEntryLine(line.bytes);
        if (decoded.ok && this.overlap) {
          // Entries copied to the archive by an archiving that crashed before it replaced the
          // chain file: identical to what the archive holds, so they are read once.
          if (this.state.leafHex(decoded.entry.seq) === decoded.entry.hash) return true;
          this.overlap = false;
        }
        if (decoded.ok && decoded.entry.type === SNAPSHOT_TYPE) {
          this.lastSnapshot = { seq: decoded.entry.seq, offset: line.offset };
        }
        if (!decoded.ok) {
          failure = this.integrityError(
            line.line,
            decoded.problem.code,
            decoded.problem.message,
            decoded.problem.column,
          );
          return false;
        }
        const problem = this.state.accept(decoded.entry);
        if (problem) {
          failure = this.integrityError(line.line, problem.code, problem.message);
          return false;
        }
        return true;
      },
      { start: this.chainEnd, startLine: this.chainLines },
    );
    if (failure) {
      this.reset();
      throw failure;
    }
    this.chainEnd = tail.end;
    this.chainLines = tail.lines;
    if (tail.rest.length > 0) {
      if (!isPlausibleTornTail(tail.rest)) {
        const error = this.integrityError(
          tail.lines + 1,
          'ledger/malformed-entry',
          'the chain ends with bytes that are not a complete or partial entry',
        );
        this.reset();
        throw error;
      }
      // A crash cut an append short: it was never acknowledged, so dropping it loses nothing.
      await truncate(this.chainPath, tail.end);
      const handle = await open(this.chainPath, 'r+');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
      this.recovered.push(
        createDiagnostic({
          file: this.chainPath,
          line: tail.lines + 1,
          code: 'ledger/torn-tail',
          severity: 'warning',
          message: `dropped an incomplete last entry of ${tail.rest.length} bytes left by an interrupted append`,
        }),
      );
    }
  }

  private reset(): void {
    this.state = new ChainState();
    this.chainEnd = 0;
    this.chainLines = 0;
    this.chainIno = undefined;
    this.overlap = false;
    this.lastSnapshot = undefined;
  }

  /** Replays the archived segments (when present) before the live chain. */
  private async replayArchive(): Promise<void> {
    const segments = await listArchiveSegments(this.dir);
    for (const segment of segments) {
      const path = resolveLedgerPath(this.dir, segment);
      let failure: LedgerIntegrityError | undefined;
      const tail = await readChainLines(path, (line) => {
        const decoded = decodeEntryLine(line.bytes);
        const problem = decoded.ok ? this.state.accept(decoded.entry) : decoded.problem;
        if (!problem) return true;
        failure = new LedgerIntegrityError({
          dir: this.dir,
          diagnostics: [
            createDiagnostic({
              file: path,
              line: line.line,
              code: problem.code,
              message: problem.message,
            }),
          ],
        });
        return false;
      });
      if (!failure && tail.rest.length > 0) {
        failure = new LedgerIntegrityError({
          dir: this.dir,
          diagnostics: [
            createDiagnostic({
              file: path,
              line: tail.lines + 1,
              code: 'ledger/malformed-entry',
              message: 'the archive segment ends with a partial line',
            }),
          ],
        });
      }
      if (failure) {
        this.state = new ChainState();
        throw failure;
      }
    }
    this.overlap = segments.length > 0;
  }

  private integrityError(
    line: number,
    code: string,
    message: string,
    column = 1,
  ): LedgerIntegrityError {
    return new LedgerIntegrityError({
      dir: this.dir,
      diagnostics: [
        createDiagnostic({ file: this.chainPath, line: Math.max(1, line), column, code, message }),
      ],
    });
  }

  // ---- appends ------------------------------------------------------------------------------

  private enqueue(
    prepare: Pending['prepare'],
    options: AppendOptions | undefined,
  ): Promise<LedgerEntry> {
    if (this.closed) {
      return Promise.reject(
        new LedgerStateError({ recordType: 'any', message: `Ledger ${this.dir} is closed` }),
      );
    }
    return new Promise<LedgerEntry>((resolve, reject) => {
      this.queue.push({ prepare, signer: options?.signer ?? this.signer, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.timer) return;
    const delay = this.group && this.queue.length < this.group.maxBatch ? this.group.maxDelayMs : 0;
    if (delay > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startFlush();
      }, delay);
    } else {
      this.startFlush();
    }
  }

  private startFlush(): void {
    if (this.flushing || this.queue.length === 0) return;
    const size = this.group ? this.group.maxBatch : 1;
    const batch = this.queue.splice(0, size);
    this.flushing = this.flush(batch)
      .catch(() => undefined)
      .finally(() => {
        this.flushing = undefined;
        if (this.queue.length > 0) this.schedule();
      });
  }

  private async flush(batch: Pending[]): Promise<void> {
    const done: Array<[Pending, LedgerEntry]> = [];
    try {
      if (!this.createdDir) {
        await mkdir(this.dir, { recursive: true });
        await syncFolder(dirname(this.dir));
        this.createdDir = true;
      }
      await this.withLock(async () => {
        await this.catchUp();
        await this.writeBatch(batch, done);
      });
    } catch (error) {
      // The state may hold entries that never reached the disk: forget it and re-read next time.
      this.reset();
      const settled = new Set(done.map(([pending]) => pending));
      for (const pending of batch) if (!settled.has(pending)) pending.reject(error);
      return;
    }
    for (const [pending, entry] of done) pending.resolve(entry);
  }

  private async writeBatch(batch: Pending[], done: Array<[Pending, LedgerEntry]>): Promise<void> {
    const lines: Buffer[] = [];
    const accepted: Array<[Pending, LedgerEntry]> = [];
    let snapshotAt: { seq: number; offset: number } | undefined;
    const appendFiles = new Map<
      string,
      { handle: Awaited<ReturnType<typeof open>>; end: number; created: boolean }
    >();
    const newFolders = new Set<string>();
    try {
      for (const pending of batch) {
        const time = this.clock.now().toISOString();
        let prepared: PreparedRecord;
        try {
          prepared = await pending.prepare(this.state, time);
          checkWrites(this.state, prepared);
        } catch (error) {
          pending.reject(error);
          continue;
        }
        const digests: FileDigest[] = [];
        for (const write of prepared.files) {
          const absolute = resolveLedgerPath(this.dir, write.path);
          const sha256 = createSha256().update(write.data).digestHex();
          if (write.append) {
            let open_ = appendFiles.get(write.path);
            const offset = open_ ? open_.end : (this.state.files.get(write.path)?.end ?? 0);
            if (!open_) {
              open_ = await openAt(absolute, offset > 0, newFolders);
              appendFiles.set(write.path, open_);
            }
            writeAll(open_.handle.fd, write.data, offset);
            open_.end = offset + write.data.length;
            digests.push({
              path: write.path,
              offset,
              size: write.data.length,
              sha256,
              append: true,
            });
          } else {
            await mkdirTracked(dirname(absolute), newFolders);
            await writeFileAtomic(absolute, write.data);
            digests.push({ path: write.path, offset: 0, size: write.data.length, sha256 });
          }
        }
        const signer = pending.signer;
        const { entry, line } = encodeEntry(
          {
            seq: this.state.next,
            prev: this.state.head,
            time,
            type: prepared.type,
            body: prepared.body,
            files: digests,
            ...(signer ? { signer: signer.did } : {}),
          },
          signer ? (message) => signer.sign(message) : undefined,
        );
        const problem = this.state.accept(entry);
        if (problem)
          throw new LedgerStateError({ recordType: prepared.type, message: problem.message });
        if (entry.type === SNAPSHOT_TYPE) {
          const offset = this.chainEnd + lines.reduce((sum, written) => sum + written.length, 0);
          snapshotAt = { seq: entry.seq, offset };
        }
        lines.push(line);
        accepted.push([pending, entry]);
      }
      // Data first, then the chain entries that commit to it: a crash in between leaves data
      // that no entry vouches for, which verification reports instead of trusting.
      for (const file of appendFiles.values()) {
        ftruncateSync(file.handle.fd, file.end);
        await file.handle.datasync();
      }
      for (const folder of newFolders) await syncFolder(folder);
      if (lines.length > 0) {
        const created = this.chainEnd === 0;
        const fd = openSync(this.chainPath, created ? 'a+' : 'r+');
        try {
          const data = Buffer.concat(lines);
          writeAll(fd, data, this.chainEnd);
          await fdatasyncAsync(fd);
          if (created) {
            await syncFolder(this.dir);
            this.chainIno = fstatSync(fd).ino;
          }
          this.chainEnd += data.length;
          this.chainLines += lines.length;
          if (snapshotAt) this.lastSnapshot = snapshotAt;
        } finally {
          closeSync(fd);
        }
      }
      done.push(...accepted);
    } finally {
      for (const file of appendFiles.values()) await file.handle.close().catch(() => undefined);
    }
  }

  append(record: AppendRecord, options?: AppendOptions): Promise<LedgerEntry> {
    const { type, body, files } = record;
    if (typeof type !== 'string' || !isRecordType(type)) {
      throw new InvalidArgumentError({
        argument: 'record.type',
        value: type,
        message: 'must be dotted lowercase words',
      });
    }
    if (RESERVED_TYPES.has(type) || type.startsWith('ledger.')) {
      throw new InvalidArgumentError({
        argument: 'record.type',
        value: type,
        message:
          'is written by a dedicated method (startRun, appendStep, …) or reserved for the ledger itself',
      });
    }
    const canonicalBody = toJsonObject(body, 'record.body');
    const fileEntries = Object.entries(files ?? {});
    for (const [name] of fileEntries) {
      if (!isLedgerPath(name)) {
        throw new InvalidArgumentError({
          argument: 'record.files',
          value: name,
          message: 'not a safe relative file name',
        });
      }
    }
    const folder = fileEntries.length > 0 ? recordFilesDir(createId('ent')) : undefined;
    const writes = fileEntries.map(([name, data]) => ({
      path: `${folder}/${name}`,
      data: toBuffer(data),
      append: false,
    }));
    return this.enqueue(() => ({ type, body: canonicalBody, files: writes }), options);
  }

  async startRun(input: StartRunInput = {}, options?: AppendOptions): Promise<StartedRun> {
    const runId = input.runId ?? createId('run');
    checkSegment(runId, 'input.runId');
    const manifest = toJsonObject(input.manifest ?? {}, 'input.manifest');
    const entry = await this.enqueue((state, time) => {
      if (state.runs.has(runId)) {
        throw new LedgerStateError({
          recordType: 'run.started',
          message: `run ${runId} was already started`,
        });
      }
      const content = { id: runId, started_at: time, ...manifest };
      return {
        type: 'run.started',
        body: { run_id: runId },
        files: [
          {
            path: runPaths(runId).manifest,
            data: Buffer.from(`${JSON.stringify(content, null, 2)}\n`),
            append: false,
          },
        ],
      };
    }, options);
    return { runId, entry };
  }

  appendStep(
    runId: string,
    step: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry> {
    checkSegment(runId, 'runId');
    const line = Buffer.from(`${canonicalJson(toJsonObject(step, 'step'))}\n`);
    return this.enqueue((state) => {
      const run = openRun(state, runId, 'run.step');
      return {
        type: 'run.step',
        body: { run_id: runId, index: run.steps },
        files: [{ path: runPaths(runId).steps, data: line, append: true }],
      };
    }, options);
  }

  finishRun(
    runId: string,
    outcome: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry> {
    checkSegment(runId, 'runId');
    const content = toJsonObject(outcome, 'outcome');
    return this.enqueue((state, time) => {
      const run = openRun(state, runId, 'run.finished');
      return {
        type: 'run.finished',
        body: { run_id: runId, steps: run.steps },
        files: [
          {
            path: runPaths(runId).outcome,
            data: Buffer.from(stringifyYaml({ run_id: runId, finished_at: time, ...content })),
            append: false,
          },
        ],
      };
    }, options);
  }

  async recordDecision(
    input: RecordDecisionInput,
    options?: AppendOptions,
  ): Promise<RecordedDecision> {
    const decisionId = input.decisionId ?? createId('dec');
    checkSegment(decisionId, 'input.decisionId');
    if (input.runId !== undefined) checkSegment(input.runId, 'input.runId');
    if (typeof input.reasoning !== 'string') {
      throw new InvalidArgumentError({
        argument: 'input.reasoning',
        value: input.reasoning,
        message: 'must be a string',
      });
    }
    const context = toJsonObject(input.context, 'input.context');
    const outcome =
      input.outcome === undefined ? undefined : toJsonObject(input.outcome, 'input.outcome');
    const paths = decisionPaths(decisionId);
    const entry = await this.enqueue((state, time) => {
      if (state.decisions.has(decisionId)) {
        throw new LedgerStateError({
          recordType: 'decision.recorded',
          message: `decision ${decisionId} was already recorded`,
        });
      }
      const files: FileWrite[] = [
        {
          path: paths.context,
          data: Buffer.from(
            stringifyYaml({ decision_id: decisionId, decided_at: time, ...context }),
          ),
          append: false,
        },
        { path: paths.reasoning, data: Buffer.from(input.reasoning), append: false },
      ];
      if (outcome) {
        files.push({
          path: paths.outcome,
          data: Buffer.from(
            stringifyYaml({ decision_id: decisionId, observed_at: time, ...outcome }),
          ),
          append: false,
        });
      }
      return {
        type: 'decision.recorded',
        body: {
          decision_id: decisionId,
          ...(input.runId ? { run_id: input.runId } : {}),
          has_outcome: outcome !== undefined,
        },
        files,
      };
    }, options);
    return { decisionId, entry };
  }

  recordOutcome(input: RecordOutcomeInput, options?: AppendOptions): Promise<LedgerEntry> {
    const outcome = toJsonObject(input.outcome, 'input.outcome');
    const goals = input.goals ? [...input.goals] : undefined;
    if (goals?.some((goal) => typeof goal !== 'string')) {
      throw new InvalidArgumentError({
        argument: 'input.goals',
        value: goals,
        message: 'must be strings',
      });
    }
    if (input.decisionId !== undefined) {
      const decisionId = input.decisionId;
      checkSegment(decisionId, 'input.decisionId');
      return this.enqueue((state, time) => {
        const decision = state.decisions.get(decisionId);
        if (!decision) {
          throw new LedgerStateError({
            recordType: 'decision.outcome',
            message: `decision ${decisionId} was never recorded`,
          });
        }
        if (decision.outcome) {
          throw new LedgerStateError({
            recordType: 'decision.outcome',
            message: `decision ${decisionId} already has an outcome; outcomes are never rewritten`,
          });
        }
        const content = {
          decision_id: decisionId,
          observed_at: time,
          ...(goals ? { goals } : {}),
          ...outcome,
        };
        return {
          type: 'decision.outcome',
          body: { decision_id: decisionId, ...(goals ? { goals } : {}) },
          files: [
            {
              path: decisionPaths(decisionId).outcome,
              data: Buffer.from(stringifyYaml(content)),
              append: false,
            },
          ],
        };
      }, options);
    }
    const outcomeId = input.outcomeId ?? createId('out');
    checkSegment(outcomeId, 'input.outcomeId');
    return this.enqueue((_state, time) => {
      const content = {
        outcome_id: outcomeId,
        observed_at: time,
        ...(goals ? { goals } : {}),
        ...outcome,
      };
      return {
        type: 'outcome.recorded',
        body: { outcome_id: outcomeId, ...(goals ? { goals } : {}) },
        files: [
          {
            path: outcomePath(outcomeId),
            data: Buffer.from(stringifyYaml(content)),
            append: false,
          },
        ],
      };
    }, options);
  }

  appendCoordination(
    event: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry> {
    const line = Buffer.from(`${canonicalJson(toJsonObject(event, 'event'))}\n`);
    const kind = typeof event.type === 'string' ? event.type : undefined;
    return this.enqueue(
      (state) => ({
        type: 'coordination.logged',
        body: { index: state.coordinationLines, ...(kind ? { event_type: kind } : {}) },
        files: [{ path: COORDINATION_LOG, data: line, append: true }],
      }),
      options,
    );
  }

  async snapshot(signer: Signer): Promise<LedgerEntry> {
    return this.enqueue(
      async (state) => {
        const files: SnapshotFile[] = [];
        for (const [path, file] of [...state.files].sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        )) {
          files.push({
            path,
            size: file.end,
            sha256: await hashPrefix(resolveLedgerPath(this.dir, path), file.end),
            ...(file.append ? { append: true } : {}),
          });
        }
        const body: SnapshotBody = {
          size: state.next,
          root: Buffer.from(state.frontier.root()).toString('hex'),
          frontier: state.frontier.nodes(),
          origin: originOf(state),
          files,
          runs: [...state.runs].map(([id, run]) => ({
            id,
            steps: run.steps,
            finished: run.finished,
          })),
          decisions: [...state.decisions].map(([id, decision]) => ({
            id,
            outcome: decision.outcome,
          })),
          coordination_lines: state.coordinationLines,
        };
        return { type: SNAPSHOT_TYPE, body, files: [] };
      },
      { signer },
    );
  }

  async archive(): Promise<ArchiveResult> {
    while (this.flushing || this.queue.length > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.startFlush();
      }
      await this.flushing;
    }
    return this.withLock(async () => {
      await this.catchUp();
      const snapshot = this.lastSnapshot;
      if (!snapshot || snapshot.seq <= this.state.base) {
        throw new LedgerStateError({
          recordType: SNAPSHOT_TYPE,
          message: 'nothing to archive: write a snapshot first (ledger.snapshot(signer))',
        });
      }
      const chain = await readFile(this.chainPath);
      const first = this.state.base;
      const segment = archiveSegmentPath(first, snapshot.seq - 1);
      // The segment first, then the shorter chain: a crash in between leaves both, and readers
      // skip the live entries the archive already holds.
      await writeFileAtomic(
        resolveLedgerPath(this.dir, segment),
        chain.subarray(0, snapshot.offset),
      );
      await syncFolder(this.dir);
      await writeFileAtomic(this.chainPath, chain.subarray(snapshot.offset, this.chainEnd));
      this.reset();
      await this.catchUp();
      return { archived: snapshot.seq - first, segment, base: snapshot.seq };
    });
  }

  // ---- reading ------------------------------------------------------------------------------

  entries(options: EntriesOptions = {}): AsyncIterable<LedgerEntry> {
    return readLedgerEntries(this.dir, options);
  }

  verify(options?: VerifyOptions): Promise<VerifyReport> {
    return verifyLedger(this.dir, options);
  }

  private async synced(): Promise<ChainState> {
    if (this.createdDir) await this.withLock(() => this.catchUp());
    return this.state;
  }

  async checkpoint(signer: Signer, options: CheckpointOptions = {}): Promise<Checkpoint> {
    const state = await this.synced();
    const origin = options.origin ?? originOf(state);
    return createCheckpoint(
      { origin, size: state.next, root: Buffer.from(state.frontier.root()).toString('hex') },
      [signer, ...(options.cosigners ?? [])],
    );
  }

  async proveInclusion(seq: number, size?: number): Promise<InclusionProof> {
    const state = await this.synced();
    const treeSize = size ?? state.next;
    checkSize(treeSize, state.next, 'size');
    if (state.base > 0) throw archivedError();
    const leaves = (index: number) => state.leafHash(index)!;
    const path = inclusionPath(leaves, seq, treeSize);
    return {
      seq,
      hash: Buffer.from(leaves(seq)).toString('hex'),
      size: treeSize,
      root: hexRoot(state, treeSize),
      path: path.map((node) => Buffer.from(node).toString('hex')),
    };
  }

  async proveConsistency(oldSize: number, newSize?: number): Promise<ConsistencyProof> {
    const state = await this.synced();
    const size = newSize ?? state.next;
    checkSize(size, state.next, 'newSize');
    if (state.base > 0) throw archivedError();
    const path = consistencyPath((index) => state.leafHash(index)!, oldSize, size);
    return {
      oldSize,
      oldRoot: hexRoot(state, oldSize),
      newSize: size,
      newRoot: hexRoot(state, size),
      path: path.map((node) => Buffer.from(node).toString('hex')),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.startFlush();
    }
    while (this.flushing) await this.flushing;
  }
}

/** The default checkpoint origin: names the ledger by its first entry, which never changes. */
function originOf(state: ChainState): string {
  if (state.startSnapshot) return state.startSnapshot.origin;
  const first = state.leafHash(0);
  return `karnel.ledger/${first ? Buffer.from(first).toString('hex').slice(0, 32) : 'empty'}`;
}

function hexRoot(state: ChainState, size: number): string {
  const root = state.rootAt(size);
  if (!root) throw archivedError();
  return Buffer.from(root).toString('hex');
}

function archivedError(): LedgerStateError {
  return new LedgerStateError({
    recordType: 'ledger.proof',
    message:
      'the entries this proof needs were archived; put the archive/ segments back to prove them',
  });
}

/** SHA-256 (hex) of the first `size` bytes of a file, read in chunks. */
async function hashPrefix(path: string, size: number): Promise<string> {
  const hasher = createSha256();
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let position = 0;
    while (position < size) {
      const { bytesRead } = await handle.read(
        buffer,
        0,
        Math.min(buffer.length, size - position),
        position,
      );
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hasher.digestHex();
}

function checkSize(size: number, current: number, argument: string): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > current) {
    throw new InvalidArgumentError({
      argument,
      value: size,
      message: `must be an integer in [0, ${current}]`,
    });
  }
}

function openRun(
  state: ChainState,
  runId: string,
  recordType: string,
): { steps: number; finished: boolean } {
  const run = state.runs.get(runId);
  if (!run) throw new LedgerStateError({ recordType, message: `run ${runId} was never started` });
  if (run.finished)
    throw new LedgerStateError({ recordType, message: `run ${runId} is already finished` });
  return run;
}

function checkWrites(state: ChainState, prepared: PreparedRecord): void {
  for (const write of prepared.files) {
    const existing = state.files.get(write.path);
    if (existing && (!write.append || !existing.append)) {
      throw new LedgerStateError({
        recordType: prepared.type,
        message: `${write.path} is already in the ledger and is never rewritten`,
      });
    }
  }
}

function checkSegment(value: string, argument: string): void {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value)) {
    throw new InvalidArgumentError({
      argument,
      value,
      message: 'must be an id made of letters, digits, "_", "-" and "."',
    });
  }
}

function toJsonObject(value: unknown, argument: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError({ argument, value, message: 'must be a JSON object' });
  }
  // canonicalJson throws a precise InvalidArgumentError for values JSON cannot hold.
  return JSON.parse(canonicalJson(value)) as Record<string, unknown>;
}

function toBuffer(data: string | Uint8Array): Buffer {
  return typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Creates `folder` if needed. Every folder that gains an entry (a new subfolder or file) is
 * added to `toSync`, so the batch can fsync them before acknowledging.
 */
async function mkdirTracked(folder: string, toSync: Set<string>): Promise<void> {
  const first = await mkdir(folder, { recursive: true });
  if (!first) return;
  let current = folder;
  for (;;) {
    toSync.add(dirname(current));
    if (current === first || dirname(current) === current) break;
    current = dirname(current);
  }
}

async function openAt(
  path: string,
  mustExist: boolean,
  newFolders: Set<string>,
): Promise<{ handle: Awaited<ReturnType<typeof open>>; end: number; created: boolean }> {
  await mkdirTracked(dirname(path), newFolders);
  try {
    return { handle: await open(path, 'r+'), end: 0, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || mustExist) throw error;
  }
  const handle = await open(path, 'w+');
  newFolders.add(dirname(path));
  return { handle, end: 0, created: true };
}

/**
 * Writes all of `data` at `position` of the open file `fd`. Synchronous: the bytes only reach
 * the page cache here (the fsync that follows is what takes time, and stays asynchronous),
 * and a thread-pool round trip per write cost more than the write.
 */
function writeAll(fd: number, data: Buffer, position: number): void {
  let offset = 0;
  while (offset < data.length) {
    offset += writeSync(fd, data, offset, data.length - offset, position + offset);
  }
}

/**
 * Streams the entries of the ledger in `dir` in chain order, reading the chain file in large
 * chunks. Stops silently at a torn last line (never acknowledged).
 *
 * @throws {LedgerIntegrityError} at the first entry whose hash or link is wrong.
 */
export async function* readLedgerEntries(
  dir: string,
  options: EntriesOptions = {},
): AsyncGenerator<LedgerEntry> {
  const { fromSeq = 0, type } = options;
  const chainPath = join(dir, CHAIN_FILE);
  const state = new ChainState({ merkle: false });
  const matches = (entryType: string) =>
    !type || entryType === type || entryType.startsWith(`${type}.`);
  const segments = await listArchiveSegments(dir);
  let overlap = segments.length > 0;
  for (const file of [...segments.map((segment) => resolveLedgerPath(dir, segment)), chainPath]) {
    const live = file === chainPath;
    let position = 0;
    let lineNumber = 0;
    for (;;) {
      const buffered: LedgerEntry[] = [];
      let failure: LedgerIntegrityError | undefined;
      let full = false;
      const tail = await readChainLines(
        file,
        (line) => {
          const decoded = decodeEntryLine(line.bytes);
          if (decoded.ok && live && overlap) {
            if (state.leafHex(decoded.entry.seq) === decoded.entry.hash) return true;
            overlap = false;
          }
          const problem = decoded.ok ? state.accept(decoded.entry) : decoded.problem;
          if (problem || !decoded.ok) {
            const found = problem ?? { code: 'ledger/malformed-entry', message: 'malformed entry' };
            failure = new LedgerIntegrityError({
              dir,
              diagnostics: [
                createDiagnostic({
                  file,
                  line: line.line,
                  code: found.code,
                  message: found.message,
                }),
              ],
            });
            return false;
          }
          if (decoded.entry.seq >= fromSeq && matches(decoded.entry.type))
            buffered.push(decoded.entry);
          if (buffered.length >= 1024) {
            full = true;
            return false;
          }
          return true;
        },
        { start: position, startLine: lineNumber },
      );
      position = tail.end;
      lineNumber = tail.lines;
      yield* buffered;
      if (failure) throw failure;
      if (!full) break;
    }
  }
}
