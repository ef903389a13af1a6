import { open, stat, truncate } from 'node:fs/promises';
import { appendFileDurable, parseJsonLines } from '@karnel/core';
import { TreasuryRecordError } from './errors';
import { TREASURY_RECORD_TYPES, type TreasuryRecord, treasuryRecordSchema } from './records';

/**
 * Where treasury records live. The treasury only appends and reads; it never rewrites a record,
 * so balances can always be recomputed from the store.
 *
 * Implementations must make `read()` return every record appended before it was called,
 * including records appended by other processes: the treasury reads under its file lock to
 * decide whether a reservation still fits.
 */
export interface TreasuryRecordStore {
  /** Version of this interface. */
  readonly specificationVersion: 'v1';
  /** Appends one record; resolves once it is durable. */
  append(record: TreasuryRecord): Promise<void>;
  /** Every treasury record in append order. Throws {@link TreasuryRecordError} on a corrupt record. */
  read(): Promise<TreasuryRecord[]>;
}

/** Options of {@link createFileRecordStore}. */
export interface FileRecordStoreOptions {
  /** The JSON Lines file to append to (conventionally `treasury/records.jsonl`). */
  path: string;
}

/**
 * A record store in one append-only JSON Lines file, for a treasury without a group ledger, or
 * for tests. Each append is fsynced. A line cut short by a crash (never acknowledged to anyone)
 * is ignored on read and cut off before the next append; the caller must hold the treasury's
 * lock while appending, as {@link createTreasury} does.
 */
export function createFileRecordStore({ path }: FileRecordStoreOptions): TreasuryRecordStore {
  let cache: { ino: number; offset: number; lines: number; records: TreasuryRecord[] } = {
    ino: -1,
    offset: 0,
    lines: 0,
    records: [],
  };
  return {
    specificationVersion: 'v1',
    async append(record) {
      const checked = checkRecord(record, path);
      await cutTornTail(path);
      await appendFileDurable(path, `${JSON.stringify(checked)}\n`);
    },
    async read() {
      // Records are only ever appended (a torn tail is cut back to the last newline, which is
      // never before what was already read), so only the bytes added since the last read are
      // parsed; a different inode or a shorter file means the file was replaced: start over.
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          cache = { ino: -1, offset: 0, lines: 0, records: [] };
          return [];
        }
        throw error;
      }
      try {
        const info = await handle.stat();
        if (info.ino !== cache.ino || info.size < cache.offset)
          cache = { ino: info.ino, offset: 0, lines: 0, records: [] };
        if (info.size === cache.offset) return [...cache.records];
        const buffer = Buffer.alloc(info.size - cache.offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, cache.offset);
        const complete = buffer.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
        // An unterminated last line was never acknowledged; the next append cuts it off.
        const text = buffer.subarray(0, complete).toString('utf8');
        const parsed = parseJsonLines(text, path);
        const corrupt = parsed.diagnostics[0];
        if (corrupt) {
          throw new TreasuryRecordError({
            record: undefined,
            message: `${corrupt.file}:${corrupt.line + cache.lines}:${corrupt.column}: ${corrupt.message}`,
          });
        }
        const added = parsed.records.map((line) =>
          checkRecord(line.value, `${path}:${line.line + cache.lines}`),
        );
        cache = {
          ino: info.ino,
          offset: cache.offset + complete,
          lines: cache.lines + (text.match(/\n/g)?.length ?? 0),
          records: [...cache.records, ...added],
        };
        return [...cache.records];
      } finally {
        await handle.close();
      }
    },
  };
}

/** One ledger entry as the treasury sees it: a type and a JSON body. */
export interface LedgerEntryLike {
  /** The entry type; treasury records use their record type (`spend.recorded` …). */
  readonly type: string;
  /** The entry's content: for a treasury record, every field but `type`. */
  readonly body: Record<string, unknown>;
}

/**
 * The part of a `@karnel/ledger` ledger the treasury uses: typed entries with a JSON body. Any
 * object of this shape works, so the treasury does not depend on the ledger package.
 */
export interface LedgerLike {
  /** Appends an entry; resolves once it is durable. */
  append(entry: LedgerEntryLike): Promise<unknown>;
  /** Every entry of the ledger, oldest first. */
  entries():
    | AsyncIterable<LedgerEntryLike>
    | Iterable<LedgerEntryLike>
    | Promise<Iterable<LedgerEntryLike>>;
}

/**
 * A record store over a ledger: each treasury record is an entry whose `type` is the record's
 * type (`spend.recorded` …) and whose `body` is the rest of the record. Entries of other types
 * (runs, decisions, approvals) are skipped when reading.
 */
export function createLedgerRecordStore(ledger: LedgerLike): TreasuryRecordStore {
  const types = new Set<string>(TREASURY_RECORD_TYPES);
  return {
    specificationVersion: 'v1',
    async append(record) {
      const { type, ...body } = checkRecord(record, 'ledger');
      await ledger.append({ type, body });
    },
    async read() {
      const records: TreasuryRecord[] = [];
      const source = await ledger.entries();
      for await (const entry of source as AsyncIterable<LedgerEntryLike>) {
        if (types.has(entry.type))
          records.push(checkRecord({ ...entry.body, type: entry.type }, 'ledger'));
      }
      return records;
    },
  };
}

function checkRecord(value: unknown, where: string): TreasuryRecord {
  const result = treasuryRecordSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new TreasuryRecordError({
      record: value,
      message: `${where}: invalid treasury record (${issue.path.join('.') || 'record'}: ${issue.message})`,
    });
  }
  return result.data;
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
