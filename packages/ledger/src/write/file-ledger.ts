import {
  closeSync,
  constants,
  fdatasync,
  fstatSync,
  ftruncateSync,
  openSync,
  statSync,
} from 'node:fs';
import { access, mkdir, open, readdir, readFile, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  acquireFileLock,
  type Clock,
  createDiagnostic,
  createSha256,
  type Diagnostic,
  type FileLock,
  type RecordValidator,
  type Signer,
  syncFolder,
  systemClock,
  withFileLock,
  writeFileAtomic,
} from '@karnel/core';
import type { LedgerDiagnosticCode } from '../diagnostic-codes';
import {
  InvalidRecordError,
  LedgerAccessError,
  LedgerIntegrityError,
  LedgerNotFoundError,
  LedgerStateError,
} from '../errors';
import {
  encodeEntry,
  type FileDigest,
  type LedgerEntry,
  MAX_ENTRY_LINE_BYTES,
} from '../format/entry';
import {
  ARCHIVE_DIR,
  archiveSegmentPath,
  CHAIN_FILE,
  LOCK_FILE,
  listArchiveSegments,
  resolveLedgerPath,
} from '../format/layout';
import { SNAPSHOT_TYPE } from '../format/snapshot';
import { isPlausibleTornTail } from '../format/torn-tail';
import type {
  AppendOptions,
  AppendRecord,
  ArchiveResult,
  CheckpointOptions,
  ConsistencyProof,
  EntriesOptions,
  InclusionProof,
  Ledger,
  OpenLedgerOptions,
  RecordDecisionInput,
  RecordedDecision,
  RecordOutcomeInput,
  StartedRun,
  StartRunInput,
  SyncOptions,
} from '../ledger';
import { acceptChainLine, lineIntegrityError } from '../read/accept-line';
import { readChainLines } from '../read/chain-reader';
import { ChainState } from '../read/chain-state';
import { readLedgerEntries } from '../read/read-entries';
import { RECENT_MAX_BYTES, RecentEntries } from '../read/recent-entries';
import type { Checkpoint } from '../transparency/checkpoint';
import { checkpointOf, proveConsistencyIn, proveInclusionIn } from '../transparency/proofs';
import { type VerifyOptions, type VerifyReport, verifyLedger } from '../verify/verify-ledger';
import { type CommitBatch, CommitQueue, type QueuedAppend } from './commit-queue';
import { mkdirTracked, openAt, writeAll } from './file-io';
import { checkWrites, type PreparedRecord, type PrepareRecord } from './prepared-record';
import {
  prepareCoordination,
  prepareDecision,
  prepareOutcome,
  prepareRecord,
  prepareRunFinish,
  prepareRunStart,
  prepareSnapshot,
  prepareStep,
} from './records';

const fdatasyncAsync = promisify(fdatasync);

/** Most batches written under one hold of the write lock (see `FileLedger.held`). */
const MAX_HELD_BATCHES = 256;
/** Longest hold of the write lock across batches, in milliseconds. */
const MAX_HELD_MS = 50;
/**
 * How long the write lock is kept once nothing is queued, in milliseconds, for the next batch
 * of a busy process (taking and releasing it costs several file operations); within the
 * limits above, so other writers still get their turn.
 */
const LINGER_MS = 1;

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
  private state = new ChainState();
  private chainEnd = 0;
  private chainLines = 0;
  private chainIno: number | undefined;
  /** Whether the live chain may start with entries the archive already holds (a crash mid-archive). */
  private overlap = false;
  /**
   * The last entries of the live chain, as this ledger wrote or read them: `entries()` hands
   * them out while the chain file is exactly as this ledger left it (see {@link recentFrom}).
   */
  private readonly recent = new RecentEntries();
  /** Where the last snapshot entry of the live chain starts (byte offset), for archiving. */
  private lastSnapshot: { seq: number; offset: number } | undefined;
  private readonly queue: CommitQueue;
  private readonly validators: ReadonlyMap<string, readonly RecordValidator[]>;
  private readonly create: boolean;
  private readonly readOnly: boolean;
  private createdDir = false;
  /** Counts the batches written without an fsync of the chain (`appendUnsynced` only). */
  private unsyncedWrites = 0;
  /** The value of {@link unsyncedWrites} that the last successful chain fsync covered. */
  private syncedWrites = 0;
  /** The last seq a successful fsync of the chain made durable (`sync({ through })`). */
  private durableSeq = -1;

  constructor(
    dir: string,
    {
      signer,
      clock = systemClock,
      groupCommit = false,
      lockTimeoutMs = 30_000,
      validators = [],
      create = true,
      readOnly = false,
    }: OpenLedgerOptions,
  ) {
    this.dir = dir;
    this.chainPath = join(dir, CHAIN_FILE);
    this.lockPath = join(dir, LOCK_FILE);
    this.signer = signer;
    this.clock = clock;
    this.lockTimeoutMs = lockTimeoutMs;
    this.create = create;
    this.readOnly = readOnly;
    const owners = new Map<string, RecordValidator[]>();
    for (const validator of validators) {
      for (const type of validator.types)
        owners.set(type, [...(owners.get(type) ?? []), validator]);
    }
    this.validators = owners;
    const group = groupCommit
      ? { maxDelayMs: 0, maxBatch: 512, ...(groupCommit === true ? {} : groupCommit) }
      : undefined;
    this.queue = new CommitQueue(group, (batch) => this.flush(batch));
  }

  async load(): Promise<void> {
    const info = await stat(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw accessError(this.dir, 'read', error);
    });
    if (info && !info.isDirectory()) {
      throw new LedgerNotFoundError({ path: this.dir, reason: 'not-a-directory' });
    }
    if (!this.create && !(info && (await holdsLedger(this.dir)))) {
      throw new LedgerNotFoundError({ path: this.dir, reason: info ? 'not-a-ledger' : 'missing' });
    }
    if (!info) return;
    if (!this.readOnly) await checkWritable(this.dir);
    this.createdDir = true;
    await this.withLock(() => this.catchUp());
  }

  /** Runs `task` under the write lock; a read-only ledger takes none (it writes nothing). */
  private withLock<T>(task: () => Promise<T>): Promise<T> {
    if (this.readOnly) return task();
    return withFileLock(this.lockPath, task, { timeoutMs: this.lockTimeoutMs });
  }

  /**
   * Reads entries other writers appended since we last looked. Must hold the lock. The chain
   * file's size is looked at every time, even under a hold of the lock that lasts: bytes
   * appended by something that ignores the lock are read (and refused) before the next batch
   * would write over them.
   */
  private async catchUp(): Promise<void> {
    await this.readOthersAppends();
    this.caughtUpUnder = this.held;
  }

  /**
   * The hold of the write lock under which the last catch-up ran. While that hold lasts no
   * writer that keeps to the lock can have appended since, so `entries()` hands out the kept
   * entries without looking at the file (bytes appended by something that ignores the lock are
   * read, and refused, by the next batch's catch-up, which always looks).
   */
  private caughtUpUnder: object | undefined;

  private async readOthersAppends(): Promise<void> {
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
    // Only the tail is kept in memory: a long chain replayed at open is not frozen entry by entry.
    const keepFrom = info.size - RECENT_MAX_BYTES;
    let failure: LedgerIntegrityError | undefined;
    const tail = await readChainLines(
      this.chainPath,
      (line) => {
        // Entries copied to the archive by an archiving that crashed before it replaced the
        // chain file are identical to what the archive holds: they are read once.
        const outcome = acceptChainLine(this.state, line.bytes, {
          overlap: this.overlap,
          beforeAccept: (entry) => {
            if (entry.type === SNAPSHOT_TYPE) {
              this.lastSnapshot = { seq: entry.seq, offset: line.offset };
            }
          },
        });
        if (outcome.status === 'repeated') return true;
        this.overlap = false;
        if (outcome.status === 'refused') {
          failure = lineIntegrityError(this.dir, this.chainPath, line.line, outcome.problem);
          return false;
        }
        if (line.offset >= keepFrom) this.recent.push(outcome.entry, line.bytes.length);
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
    // A reader leaves a torn tail to the next writer, which cuts it off.
    if (tail.rest.length > 0 && !this.readOnly) {
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

  /**
   * The chain file, kept open between batches (an open and a close per batch cost more than
   * the write): `chainFd` is for the inode `chainFdIno`. Only used under the lock, where the
   * chain's identity was just checked (`catchUp`), and by `sync`.
   */
  private chainFd: number | undefined;
  private chainFdIno: number | undefined;

  /** The open chain file for writing at `chainEnd` (never `O_APPEND`), created when missing. */
  private openChain(): number {
    if (this.chainFd !== undefined && this.chainFdIno === this.chainIno) return this.chainFd;
    this.closeChain();
    const fd = openSync(this.chainPath, constants.O_RDWR | constants.O_CREAT, 0o644);
    this.chainFd = fd;
    this.chainFdIno = fstatSync(fd).ino;
    return fd;
  }

  private closeChain(): void {
    const fd = this.chainFd;
    this.chainFd = undefined;
    this.chainFdIno = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  private reset(): void {
    this.closeChain();
    this.recent.clear();
    this.caughtUpUnder = undefined;
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
        const outcome = acceptChainLine(this.state, line.bytes);
        if (outcome.status === 'accepted') return true;
        if (outcome.status === 'refused') {
          failure = lineIntegrityError(this.dir, path, line.line, outcome.problem);
        }
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
    code: LedgerDiagnosticCode,
    message: string,
  ): LedgerIntegrityError {
    return lineIntegrityError(this.dir, this.chainPath, line, { code, message, column: 1 });
  }

  // ---- appends ------------------------------------------------------------------------------

  private enqueue(
    prepare: PrepareRecord,
    options: AppendOptions | undefined,
    durable = true,
  ): Promise<LedgerEntry> {
    if (this.queue.closed) {
      return Promise.reject(
        new LedgerStateError({ recordType: 'any', message: `Ledger ${this.dir} is closed` }),
      );
    }
    if (this.readOnly) return Promise.reject(this.readOnlyError());
    return new Promise<LedgerEntry>((resolve, reject) => {
      this.queue.push({
        prepare,
        signer: options?.signer ?? this.signer,
        durable,
        resolve: (entry) => resolve(entry!),
        reject,
      });
    });
  }

  /** Refuses a record a validator owns and rejects (nothing of it is written). */
  private validate(prepared: PreparedRecord): void {
    const owners = this.validators.get(prepared.type);
    if (!owners) return;
    for (const validator of owners) {
      const result = validator.validate({ type: prepared.type, body: prepared.body });
      if (!result.ok)
        throw new InvalidRecordError({ recordType: prepared.type, reason: result.message });
    }
  }

  /**
   * The write lock, kept from one batch to the next while appends are already waiting when a
   * batch ends (taking and releasing a lock file costs several file creations and removals),
   * and for {@link LINGER_MS} after the last one, but never for more than
   * {@link MAX_HELD_BATCHES} batches or {@link MAX_HELD_MS}: then other writers get their turn.
   */
  private held: { lock: FileLock; since: number; batches: number } | undefined;
  /** The write lock being taken, shared by everyone in this process who needs it meanwhile. */
  private acquiring: Promise<void> | undefined;
  /** How many {@link withWriteLock} calls are running: the lock is kept until none is. */
  private pins = 0;
  /** Whether a batch is being written (it releases the lock at its end if nobody pins it). */
  private writing = false;

  private async holdLock(): Promise<{ lock: FileLock; since: number; batches: number }> {
    while (!this.held) {
      this.acquiring ??= acquireFileLock(this.lockPath, { timeoutMs: this.lockTimeoutMs })
        .then((lock) => {
          this.held = { lock, since: Date.now(), batches: 0 };
        })
        .finally(() => {
          this.acquiring = undefined;
        });
      await this.acquiring;
    }
    return this.held;
  }

  private async releaseHeld(): Promise<void> {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    const held = this.held;
    this.held = undefined;
    await held?.lock.release();
  }

  /** The timer that ends a hold of the write lock nobody used for {@link LINGER_MS}. */
  private lingering: NodeJS.Timeout | undefined;

  /** Whether nothing in this process needs the write lock now. */
  private get idle(): boolean {
    return this.pins === 0 && !this.writing && this.queue.waiting === 0;
  }

  /**
   * Ends the hold of the write lock when nothing needs it: at once when it had its share
   * ({@link MAX_HELD_BATCHES}, {@link MAX_HELD_MS}), else {@link LINGER_MS} later unless a
   * batch or a {@link withWriteLock} took it up again meanwhile. The timer is not `unref`ed:
   * a process that exits meanwhile waits for it and leaves no lock file behind.
   */
  private async releaseWhenIdle(): Promise<void> {
    const held = this.held;
    if (!held || !this.idle) return;
    if (held.batches >= MAX_HELD_BATCHES || Date.now() - held.since >= MAX_HELD_MS) {
      await this.releaseHeld();
      return;
    }
    if (this.lingering) return;
    const mark = held.batches + this.pinsTaken;
    this.lingering = setTimeout(() => {
      this.lingering = undefined;
      // After the I/O already due has had its turn (timers run before it): what it queues keeps
      // the lock. Used meanwhile, the hold lingers again (or ends, once it had its share).
      setImmediate(() => {
        if (this.held !== held || !this.idle) return; // in use: its end decides
        if (held.batches + this.pinsTaken !== mark)
          void this.releaseWhenIdle().catch(() => undefined);
        else this.releaseHeld().catch(() => undefined);
      });
    }, LINGER_MS);
  }

  /** How many {@link withWriteLock} calls started (to tell a lock used during its linger). */
  private pinsTaken = 0;

  async withWriteLock<T>(task: () => Promise<T>): Promise<T> {
    this.pins++;
    this.pinsTaken++;
    try {
      return await task();
    } finally {
      this.pins--;
      await this.releaseWhenIdle();
    }
  }

  private async flush(batch: CommitBatch): Promise<void> {
    const done: Array<[QueuedAppend, LedgerEntry | undefined]> = [];
    try {
      if (!this.createdDir) {
        await mkdir(this.dir, { recursive: true });
        await syncFolder(dirname(this.dir));
        this.createdDir = true;
      }
      this.writing = true;
      const held = await this.holdLock();
      held.batches++;
      await this.catchUp();
      await this.writeBatch(batch, done);
      this.writing = false;
      if (
        this.pins === 0 &&
        this.queue.waiting > 0 &&
        (held.batches >= MAX_HELD_BATCHES || Date.now() - held.since >= MAX_HELD_MS)
      )
        await this.releaseHeld();
      else await this.releaseWhenIdle();
    } catch (error) {
      this.writing = false;
      await this.releaseHeld().catch(() => undefined);
      // The state may hold entries that never reached the disk: forget it and re-read next time.
      this.reset();
      const settled = new Set(done.map(([pending]) => pending));
      const { code, path } = error as NodeJS.ErrnoException;
      const failure =
        code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? accessError(path ?? this.dir, 'write', error as NodeJS.ErrnoException)
          : error;
      for (const pending of batch) if (!settled.has(pending)) pending.reject(failure);
      return;
    }
    for (const [pending, entry] of done) pending.resolve(entry);
  }

  private async writeBatch(
    batch: CommitBatch,
    done: Array<[QueuedAppend, LedgerEntry | undefined]>,
  ): Promise<void> {
    const lines: Buffer[] = [];
    const accepted: Array<[QueuedAppend, LedgerEntry]> = [];
    const barriers: QueuedAppend[] = [];
    let snapshotAt: { seq: number; offset: number } | undefined;
    const appendFiles = new Map<
      string,
      { handle: Awaited<ReturnType<typeof open>>; end: number; created: boolean }
    >();
    const newFolders = new Set<string>();
    try {
      for (const pending of batch) {
        if (pending.barrier) {
          barriers.push(pending);
          continue;
        }
        const time = this.clock.now().toISOString();
        let prepared: PreparedRecord;
        try {
          prepared = await pending.prepare(this.state, time);
          checkWrites(this.state, prepared);
          this.validate(prepared);
        } catch (error) {
          pending.reject(error);
          continue;
        }
        const digests: FileDigest[] = [];
        for (const write of prepared.files) {
          const absolute = resolveLedgerPath(this.dir, write.path);
          const sha256 = createSha256().update(write.data).digestHex();
          if (write.append) {
            let opened = appendFiles.get(write.path);
            const offset = opened ? opened.end : (this.state.files.get(write.path)?.end ?? 0);
            if (!opened) {
              opened = await openAt(
                absolute,
                offset > 0 ? 'existing' : 'existing-or-new',
                newFolders,
              );
              appendFiles.set(write.path, opened);
            }
            writeAll(opened.handle.fd, write.data, offset);
            opened.end = offset + write.data.length;
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
            ...(prepared.bodyJson === undefined ? {} : { bodyJson: prepared.bodyJson }),
            files: digests,
            ...(signer ? { signer: signer.did } : {}),
          },
          signer ? (message) => signer.sign(message) : undefined,
        );
        if (line.length > MAX_ENTRY_LINE_BYTES)
          throw new LedgerStateError({
            recordType: prepared.type,
            message: `the entry would take ${line.length} bytes, more than the ${MAX_ENTRY_LINE_BYTES} an entry may: commit large content as a file of the entry`,
          });
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
        const fd = this.openChain();
        const data = lines.length === 1 ? lines[0]! : Buffer.concat(lines);
        writeAll(fd, data, this.chainEnd);
        // Written: what any reader of the file sees from now on (acknowledged only once
        // durable, below). A failure from here on resets all of it (see `flush`).
        this.chainEnd += data.length;
        this.chainLines += lines.length;
        if (created) this.chainIno = this.chainFdIno;
        if (snapshotAt) this.lastSnapshot = snapshotAt;
        for (const [index, [, entry]] of accepted.entries())
          this.recent.push(entry, lines[index]!.length);
        if (!accepted.some(([pending]) => pending.durable)) this.unsyncedWrites++;
        if (created) await syncFolder(this.dir);
      }
      // An fsync of the chain makes every byte written to it before durable, including
      // earlier unsynced appends: their count is taken before it starts.
      const mustSync =
        accepted.some(([pending]) => pending.durable) ||
        (barriers.length > 0 && this.syncedWrites < this.unsyncedWrites);
      if (mustSync && this.chainEnd > 0) {
        const covered = this.unsyncedWrites;
        const through = this.state.next - 1;
        await fdatasyncAsync(this.openChain());
        this.syncedWrites = Math.max(this.syncedWrites, covered);
        this.durableSeq = Math.max(this.durableSeq, through);
      }
      done.push(...accepted);
      for (const barrier of barriers) done.push([barrier, undefined]);
    } finally {
      for (const file of appendFiles.values()) await file.handle.close().catch(() => undefined);
    }
  }

  // ---- records ------------------------------------------------------------------------------

  append(record: AppendRecord, options?: AppendOptions): Promise<LedgerEntry> {
    return this.enqueue(prepareRecord(record), options);
  }

  appendUnsynced(record: AppendRecord, options?: AppendOptions): Promise<LedgerEntry> {
    return this.enqueue(prepareRecord(record), options, false);
  }

  /** The error of a write asked of a ledger opened with `readOnly`. */
  private readOnlyError(): LedgerStateError {
    return new LedgerStateError({
      recordType: 'any',
      message: `Ledger ${this.dir} was opened read-only: nothing can be written to it`,
    });
  }

  async sync({ through }: SyncOptions = {}): Promise<void> {
    if (this.readOnly) throw this.readOnlyError();
    if (this.syncedWrites >= this.unsyncedWrites) return;
    if (through !== undefined && through <= this.durableSeq) return;
    // A barrier in the commit queue: the fsync is shared with the appends queued meanwhile,
    // on the chain file the writer keeps open.
    if (!this.queue.closed) {
      await new Promise<void>((resolve, reject) => {
        this.queue.push({
          prepare: () => {
            throw new Error('a sync barrier is never prepared');
          },
          signer: undefined,
          durable: true,
          barrier: true,
          resolve: () => resolve(),
          reject,
        });
      });
      return;
    }
    const covered = this.unsyncedWrites;
    // No lock: an fsync only flushes what is written, and appends only ever add to the file.
    // A chain file replaced since (archiving) was written and fsynced whole by its writer.
    // A descriptor of its own: the writer's may be closed meanwhile (a failed batch resets it).
    let fd: number;
    try {
      fd = openSync(this.chainPath, 'r');
    } catch (error) {
      throw accessError(this.chainPath, 'write', error as NodeJS.ErrnoException);
    }
    const throughSeq = this.state.next - 1;
    try {
      await fdatasyncAsync(fd);
    } finally {
      closeSync(fd);
    }
    this.durableSeq = Math.max(this.durableSeq, throughSeq);
    this.syncedWrites = Math.max(this.syncedWrites, covered);
  }

  async startRun(input: StartRunInput = {}, options?: AppendOptions): Promise<StartedRun> {
    const { runId, prepare } = prepareRunStart(input);
    return { runId, entry: await this.enqueue(prepare, options) };
  }

  appendStep(
    runId: string,
    step: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry> {
    return this.enqueue(prepareStep(runId, step), options);
  }

  finishRun(
    runId: string,
    outcome: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry> {
    return this.enqueue(prepareRunFinish(runId, outcome), options);
  }

  async recordDecision(
    input: RecordDecisionInput,
    options?: AppendOptions,
  ): Promise<RecordedDecision> {
    const { decisionId, prepare } = prepareDecision(input);
    return { decisionId, entry: await this.enqueue(prepare, options) };
  }

  recordOutcome(input: RecordOutcomeInput, options?: AppendOptions): Promise<LedgerEntry> {
    return this.enqueue(prepareOutcome(input), options);
  }

  appendCoordination(
    event: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry> {
    return this.enqueue(prepareCoordination(event), options);
  }

  snapshot(signer: Signer): Promise<LedgerEntry> {
    return this.enqueue(prepareSnapshot(this.dir), { signer });
  }

  async archive(): Promise<ArchiveResult> {
    if (this.readOnly) throw this.readOnlyError();
    await this.queue.drain();
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
    return this.#streamEntries(options);
  }

  async *#streamEntries(options: EntriesOptions): AsyncGenerator<LedgerEntry> {
    const recent = this.recentFrom(options.fromSeq ?? 0);
    if (!recent) {
      yield* readLedgerEntries(this.dir, options);
      return;
    }
    const { type } = options;
    for (const entry of recent)
      if (!type || entry.type === type || entry.type.startsWith(`${type}.`)) yield entry;
  }

  /**
   * The entries from `fromSeq` on, from {@link recent}, when it holds all of them and the chain
   * file is the one this ledger last wrote or read, at the size it left it (no other writer
   * appended since, nothing was cut): then they are the file's last entries, each checked
   * against the chain when it was written or read. `undefined` otherwise: read the file.
   */
  private recentFrom(fromSeq: number): readonly LedgerEntry[] | undefined {
    if (this.chainIno === undefined) return undefined;
    const kept = this.recent.from(fromSeq);
    if (!kept) return undefined;
    if (this.held !== undefined && this.caughtUpUnder === this.held) return kept;
    let info: import('node:fs').Stats | undefined;
    try {
      info = statSync(this.chainPath, { throwIfNoEntry: false });
    } catch {
      return undefined; // the file reader reports what is wrong
    }
    if (!info || info.ino !== this.chainIno || info.size !== this.chainEnd) return undefined;
    return kept;
  }

  verify(options?: VerifyOptions): Promise<VerifyReport> {
    return verifyLedger(this.dir, options);
  }

  private async synced(): Promise<ChainState> {
    if (this.createdDir) await this.withLock(() => this.catchUp());
    return this.state;
  }

  async checkpoint(signer: Signer, options: CheckpointOptions = {}): Promise<Checkpoint> {
    return checkpointOf(await this.synced(), signer, options);
  }

  async proveInclusion(seq: number, size?: number): Promise<InclusionProof> {
    return proveInclusionIn(await this.synced(), seq, size);
  }

  async proveConsistency(oldSize: number, newSize?: number): Promise<ConsistencyProof> {
    return proveConsistencyIn(await this.synced(), oldSize, newSize);
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.releaseHeld();
    this.closeChain();
  }
}

/** Whether `dir` already holds a ledger: a chain file or archived segments. */
async function holdsLedger(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw accessError(dir, 'read', error);
  });
  return names.includes(CHAIN_FILE) || names.includes(ARCHIVE_DIR);
}

/** Throws a {@link LedgerAccessError} when this process cannot write to the ledger in `dir`. */
async function checkWritable(dir: string): Promise<void> {
  for (const path of [dir, join(dir, CHAIN_FILE)]) {
    try {
      await access(path, constants.R_OK | constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw accessError(path, 'write', error as NodeJS.ErrnoException);
    }
  }
}

function accessError(
  path: string,
  operation: 'read' | 'write',
  error: NodeJS.ErrnoException,
): LedgerAccessError {
  return new LedgerAccessError({ path, operation, reason: error.code ?? error.message });
}
