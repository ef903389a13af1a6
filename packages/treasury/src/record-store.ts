import { closeSync, fdatasync, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { mkdir, open, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import {
  type CommittedEntry,
  type LedgerPort,
  type LedgerReader,
  parseJsonLines,
  sha256Hex,
  syncFolder,
} from '@karnel/core';
import { checkTreasuryRecord } from './check-record';
import { TreasuryRecordError } from './errors';
import { type QuarantineRecord, TREASURY_LEDGER_TYPES, type TreasuryRecord } from './records';

const fdatasyncAsync = promisify(fdatasync);

/**
 * One stored entry of a treasury type, as read back, before the treasury checks it: where it
 * is, what identifies it, and the value as stored.
 */
export interface StoredTreasuryEntry {
  /** Its position: the ledger entry's `seq`, or the line number − 1 in a records file. */
  readonly seq: number;
  /** What identifies its bytes: the ledger entry hash, or the SHA-256 of the line (hex). */
  readonly hash: string;
  /** The record type (`spend.recorded` …). */
  readonly type: string;
  /** The record as stored, `{ type, ...body }`; `undefined` when the line is not JSON. */
  readonly value: unknown;
  /** Why the stored bytes are not even a JSON object, when they are not. */
  readonly unreadable?: string;
  /** The file the entry is in, for diagnostics (`ledger/chain.jsonl`, `treasury/records.jsonl`). */
  readonly file: string;
  /** The entry's line in that file (1-based). */
  readonly line: number;
  /**
   * The record as this store checked it when it appended it, when it did (the same bytes, by
   * the entry's hash): the treasury then checks only its currency and amount again.
   */
  readonly checked?: TreasuryRecord | QuarantineRecord;
}

/**
 * Where treasury records live. The treasury only appends and reads; it never rewrites a record,
 * so balances can always be recomputed from the store.
 *
 * Implementations must make `readEntries()` return every entry appended before it was called,
 * including entries appended by other processes: the treasury reads under its file lock to
 * decide whether a reservation still fits. They return entries as stored and never throw for
 * a bad one: the treasury checks each, skips and reports the bad ones.
 */
export interface TreasuryRecordStore {
  /** Version of this interface. */
  readonly specificationVersion: 'v2';
  /** Appends one record, checked first; resolves once it is durable. */
  append(record: TreasuryRecord | QuarantineRecord): Promise<void>;
  /**
   * Every stored entry of a treasury type, in append order. A store may return the same array
   * again, grown by the entries appended since (never otherwise changed): treat it as read-only.
   */
  readEntries(): Promise<readonly StoredTreasuryEntry[]>;
  /**
   * Optional group commit: appends one record, checked first, visible to `readEntries` at
   * once (in this process and others) and kept if the process is killed, but not yet durable
   * against an OS crash. A later {@link TreasuryRecordStore.sync}, or the fsync of any later
   * record of the same store, makes it durable: records are appended in order to one file or
   * chain. The treasury uses it, when present, to share one fsync among the operations that
   * queued for its lock meanwhile, and acknowledges nothing so written before that fsync except
   * reservation records (`reserve`, `release`: see `Treasury.reserve`).
   */
  appendUnsynced?(record: TreasuryRecord | QuarantineRecord): Promise<void>;
  /** Makes every earlier `appendUnsynced` durable (with `appendUnsynced`). */
  sync?(): Promise<void>;
  /**
   * Optional: runs the operations of one treasury lock hold (`task`), letting the store keep
   * what it takes per append for the whole of it (a ledger's write lock). The treasury calls it
   * inside its own lock, around the reads, appends and `sync` of the hold.
   */
  hold?<T>(task: () => Promise<T>): Promise<T>;
  /** Closes any file the store holds open; it reopens them if used again. */
  close?(): Promise<void>;
}

/** Options of {@link createFileRecordStore}. */
export interface FileRecordStoreOptions {
  /** The JSON Lines file to append to (conventionally `treasury/records.jsonl`). */
  path: string;
  /** How to name the file in diagnostics. Default: `path`. */
  displayPath?: string;
}

interface ReadState {
  fd: number;
  ino: number;
  offset: number;
  lines: number;
  entries: StoredTreasuryEntry[];
}

/**
 * A record store in one append-only JSON Lines file, for a treasury without a group ledger, or
 * for tests. It keeps the file open: reads parse only the bytes appended since the last read
 * (a replaced or shortened file is read again from the start), and appends go through one open
 * append handle; `append` fsyncs each record, `appendUnsynced` + `sync` let the treasury share
 * one fsync among queued operations. A line cut short by a crash (never acknowledged to anyone)
 * is ignored on read and cut off before the next append; the caller must hold the treasury's
 * lock while appending, as {@link createTreasury} does.
 */
export function createFileRecordStore({
  path,
  displayPath = path,
}: FileRecordStoreOptions): TreasuryRecordStore {
  let reader: ReadState | undefined;
  // The file opened for appending (`O_APPEND`), and its inode.
  let writer: { fd: number; ino: number } | undefined;

  const closeReader = () => {
    if (reader) closeSync(reader.fd);
    reader = undefined;
  };
  const closeWriter = () => {
    const open = writer;
    writer = undefined;
    if (open) closeSync(open.fd);
  };
  const openWriter = async () => {
    await mkdir(dirname(path), { recursive: true });
    let fd: number;
    let created = false;
    try {
      fd = openSync(path, 'ax');
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      fd = openSync(path, 'a');
    }
    // A new file survives a crash only once its folder entry is durable.
    if (created) await syncFolder(dirname(path));
    return { fd, ino: fstatSync(fd).ino };
  };

  // Synchronous calls: each is a few microseconds on a local disk, and the treasury makes them
  // under its lock, where a round trip through the thread pool per call cost more than the work.
  const readEntries = (): StoredTreasuryEntry[] => {
    let info: { ino: number; size: number };
    try {
      info = statSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      closeReader();
      return [];
    }
    // Records are only ever appended (a torn tail is cut back to the last newline, which is
    // never before what was already read), so only the bytes added since the last read are
    // parsed; a different inode or a shorter file means the file was replaced: start over.
    if (!reader || info.ino !== reader.ino || info.size < reader.offset) {
      closeReader();
      reader = { fd: openSync(path, 'r'), ino: info.ino, offset: 0, lines: 0, entries: [] };
    }
    const state = reader;
    if (info.size === state.offset) return state.entries;
    const buffer = Buffer.alloc(info.size - state.offset);
    let read = 0;
    while (read < buffer.length) {
      const count = readSync(state.fd, buffer, read, buffer.length - read, state.offset + read);
      if (count === 0) break;
      read += count;
    }
    const complete = buffer.subarray(0, read).lastIndexOf(0x0a) + 1;
    // An unterminated last line was never acknowledged; the next append cuts it off.
    const text = buffer.subarray(0, complete).toString('utf8');
    const lines = text.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const lineText = lines[index]!;
      if (lineText.trim() === '') continue;
      state.entries.push(parseLine(lineText, state.lines + index + 1, displayPath));
    }
    state.offset += complete;
    state.lines += text.match(/\n/g)?.length ?? 0;
    return state.entries;
  };

  const appendUnsynced = async (record: TreasuryRecord | QuarantineRecord) => {
    const checked = checkOrThrow(record, displayPath);
    let info: { ino: number; size: number } | undefined;
    try {
      info = statSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const ino = info?.ino;
    if (!writer || writer.ino !== ino) {
      closeWriter();
      await cutTornTail(path);
      writer = await openWriter();
    } else if (info && endsTorn(path, info.size, reader?.ino === ino ? reader?.fd : undefined)) {
      // Another process died mid-append since our last write: drop its unacknowledged bytes.
      await cutTornTail(path);
    }
    // A synchronous write (to the page cache: microseconds), as the ledger writes; only the
    // fsync goes through the thread pool.
    const bytes = Buffer.from(`${JSON.stringify(checked)}\n`, 'utf8');
    let offset = 0;
    while (offset < bytes.length)
      offset += writeSync(writer.fd, bytes, offset, bytes.length - offset);
  };
  const sync = async () => {
    if (writer) await fdatasyncAsync(writer.fd);
  };

  return {
    specificationVersion: 'v2',
    async append(record) {
      await appendUnsynced(record);
      await sync();
    },
    appendUnsynced,
    sync,
    async readEntries() {
      return readEntries();
    },
    async close() {
      closeReader();
      closeWriter();
    },
  };
}

function parseLine(lineText: string, line: number, displayPath: string): StoredTreasuryEntry {
  let value: unknown;
  let unreadable: string | undefined;
  try {
    value = JSON.parse(lineText);
  } catch {
    const problem = parseJsonLines(lineText, displayPath).diagnostics[0];
    unreadable = `invalid JSON at column ${problem?.column ?? 1}`;
  }
  const type =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as { type?: unknown }).type
      : undefined;
  if (unreadable === undefined && typeof type !== 'string')
    unreadable = 'the line is not a record with a "type"';
  let hash: string | undefined;
  return {
    seq: line - 1,
    // Hashed only when asked for (a refused line being quarantined): most never are.
    get hash() {
      hash ??= sha256Hex(lineText);
      return hash;
    },
    type: typeof type === 'string' ? type : '',
    value,
    ...(unreadable === undefined ? {} : { unreadable }),
    file: displayPath,
    line,
  };
}

/** Whether the file of `size` bytes does not end with a newline (an append cut short). */
function endsTorn(path: string, size: number, openFd: number | undefined): boolean {
  if (size === 0) return false;
  const fd = openFd ?? openSync(path, 'r');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    if (openFd === undefined) closeSync(fd);
  }
}

/** Where a ledger entry is, for diagnostics. */
export interface EntryLocation {
  /** The file holding the entry (`group/ledger/chain.jsonl`). */
  readonly file: string;
  /** The entry's line in it (1-based). */
  readonly line: number;
}

/** What a ledger offers, beyond `LedgerPort`, to take part in the treasury's group commit. */
interface SyncableLedger {
  appendUnsynced(record: { type: string; body: Record<string, unknown> }): Promise<unknown>;
  sync(): Promise<void>;
  withWriteLock<T>(task: () => Promise<T>): Promise<T>;
}

/** Options of {@link createLedgerRecordStore} and of reading treasury entries from a ledger. */
export interface LedgerRecordStoreOptions {
  /** How to name the ledger's chain file in diagnostics. Default `chain.jsonl`. */
  chainFile?: string;
  /**
   * Where an entry is, for diagnostics. Default: `chainFile`, line `seq + 1` (entries are one
   * per line; a ledger whose older entries were archived starts its live chain later).
   */
  locate?: (entry: { seq: number }) => EntryLocation;
}

/**
 * A record store over a ledger (any `LedgerPort`, such as `@karnel/ledger`'s `Ledger`):
 * each treasury record is an entry whose `type` is the record's type (`spend.recorded` …) and
 * whose `body` is the rest of the record. Entries of other types (runs, decisions, approvals)
 * are skipped when reading. Records are checked before they are appended. Reads go on from the
 * last entry read (the ledger checks only the entries appended since against the chain head it
 * verified). When the ledger also has `appendUnsynced` and `sync` (`@karnel/ledger`'s does), the
 * store offers them, and the treasury's operations of one lock hold share one fsync.
 */
export function createLedgerRecordStore(
  ledger: LedgerPort,
  options: LedgerRecordStoreOptions = {},
): TreasuryRecordStore {
  // A ledger that can write without an fsync and sync later (`@karnel/ledger`'s, from the
  // version with `appendUnsynced`) lets the treasury share one fsync among the operations of a
  // lock hold, as the file store does; any other is asked for a durable append every time.
  const syncable = ledger as LedgerPort & Partial<SyncableLedger>;
  const unsynced =
    typeof syncable.appendUnsynced === 'function' && typeof syncable.sync === 'function'
      ? {
          async appendUnsynced(record: TreasuryRecord | QuarantineRecord) {
            const checked = checkOrThrow(record, 'ledger');
            const { type, ...body } = checked;
            remember(await syncable.appendUnsynced!({ type, body }), checked);
          },
          async sync() {
            await syncable.sync!();
          },
        }
      : {};
  // The ledger's write lock kept for a whole treasury hold, when the ledger can (one lock file
  // created and removed per hold instead of one per record).
  // What this store appended and checked, by entry hash, until a read hands it out.
  const own = new Map<string, TreasuryRecord | QuarantineRecord>();
  const remember = (entry: unknown, checked: TreasuryRecord | QuarantineRecord) => {
    const hash = (entry as { hash?: unknown } | undefined)?.hash;
    if (typeof hash !== 'string') return;
    if (own.size >= 4096) own.clear(); // never read back: checked again, that is all
    own.set(hash, checked);
  };
  const hold =
    typeof syncable.withWriteLock === 'function'
      ? { hold: <T>(task: () => Promise<T>) => syncable.withWriteLock!(task) }
      : {};
  // The entries read so far, grown by each read: a ledger only grows, so only entries from the
  // next seq on are collected (the fold and the balances then cost what was appended). Reads
  // are serialized, so two at once never collect the same entries twice.
  const entries: StoredTreasuryEntry[] = [];
  let next = 0;
  let reading: Promise<unknown> = Promise.resolve();
  return {
    specificationVersion: 'v2',
    async append(record) {
      const checked = checkOrThrow(record, 'ledger');
      const { type, ...body } = checked;
      remember(await ledger.append({ type, body }), checked);
    },
    ...unsynced,
    ...hold,
    readEntries() {
      const read = reading.then(async () => {
        next = await collectTreasuryEntries(ledger, options, next, entries, own);
        return entries;
      });
      reading = read.catch(() => undefined);
      return read;
    },
  };
}

/**
 * Reads the entries of treasury types from a ledger, as stored (see {@link StoredTreasuryEntry}).
 * Throws only what the ledger throws (a broken chain).
 */
export async function readLedgerTreasuryEntries(
  ledger: LedgerReader,
  options: LedgerRecordStoreOptions = {},
): Promise<StoredTreasuryEntry[]> {
  const entries: StoredTreasuryEntry[] = [];
  await collectTreasuryEntries(ledger, options, 0, entries);
  return entries;
}

/**
 * Appends to `into` the treasury entries of seq `fromSeq` on, and returns the seq after the last
 * entry seen. A ledger that can start at a seq (`@karnel/ledger`'s `entries({ fromSeq })`) is
 * asked to; any other is read from the start and the earlier entries skipped.
 */
async function collectTreasuryEntries(
  ledger: LedgerReader,
  { chainFile = 'chain.jsonl', locate }: LedgerRecordStoreOptions,
  fromSeq: number,
  into: StoredTreasuryEntry[],
  own?: Map<string, TreasuryRecord | QuarantineRecord>,
): Promise<number> {
  const types = new Set(TREASURY_LEDGER_TYPES);
  const where = locate ?? ((entry: { seq: number }) => ({ file: chainFile, line: entry.seq + 1 }));
  const read = (
    ledger.entries as (options?: { fromSeq?: number }) => AsyncIterable<CommittedEntry>
  ).call(ledger, fromSeq > 0 ? { fromSeq } : undefined);
  const added: StoredTreasuryEntry[] = [];
  let next = fromSeq;
  for await (const entry of read) {
    if (entry.seq < fromSeq) continue;
    next = entry.seq + 1;
    if (!types.has(entry.type)) continue;
    const body = entry.body;
    const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
    const checked = own?.get(entry.hash);
    if (checked) own!.delete(entry.hash);
    added.push({
      ...(checked?.type === entry.type ? { checked } : {}),
      seq: entry.seq,
      hash: entry.hash,
      type: entry.type,
      value: isObject ? { ...body, type: entry.type } : undefined,
      ...(isObject
        ? Object.hasOwn(body, 'type')
          ? { unreadable: 'the body has a "type" field of its own' }
          : {}
        : { unreadable: 'the body is not an object' }),
      ...where(entry),
    });
  }
  // Only a read that completed adds anything (a broken chain throws above).
  into.push(...added);
  return next;
}

function checkOrThrow<T extends TreasuryRecord | QuarantineRecord>(record: T, where: string): T {
  const checked = checkTreasuryRecord(record);
  if (!checked.ok) {
    throw new TreasuryRecordError({
      record,
      message: `${where}: invalid treasury record (${checked.message})`,
    });
  }
  return checked.value as T;
}

async function cutTornTail(path: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (size === 0) return;
  const handle = await open(path, 'r');
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    // Find the last newline; everything after it is a write that never completed.
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const index = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (index >= 0) {
        const keep = start + index + 1;
        if (keep < size) await truncate(path, keep);
        return;
      }
      end = start;
    }
    await truncate(path, 0);
  } finally {
    await handle.close();
  }
}
