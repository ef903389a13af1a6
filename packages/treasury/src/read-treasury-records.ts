import { type Currency, createDiagnostic, type Diagnostic, type LedgerReader } from '@karnel/core';
import { checkRecordAmount, checkTreasuryRecord, type TreasuryRecordCheck } from './check-record';
import {
  type LedgerRecordStoreOptions,
  readLedgerTreasuryEntries,
  type StoredTreasuryEntry,
  type TreasuryRecordStore,
} from './record-store';
import { QUARANTINE_RECORD_TYPE, type TreasuryRecord } from './records';

/** An entry that does not count and that no quarantine record names yet. */
export interface UnquarantinedEntry {
  /** The entry. */
  readonly entry: StoredTreasuryEntry;
  /** The diagnostic code of the refusal. */
  readonly code:
    | 'treasury/invalid-record'
    | 'treasury/record-currency'
    | 'treasury/invalid-quarantine';
  /** Why it does not count. */
  readonly reason: string;
}

/** What {@link readTreasuryRecords} found. */
export interface TreasuryRecordsRead {
  /** The records that count, in append order. */
  readonly records: readonly TreasuryRecord[];
  /**
   * One diagnostic per entry that does not count, at its file and line: an error while no
   * quarantine names it, a warning once one does. A quarantine that names no refused entry is
   * ignored and is itself such an entry (`treasury/invalid-quarantine`).
   */
  readonly diagnostics: readonly Diagnostic[];
  /** The entries that do not count and that a writer should quarantine. */
  readonly unquarantined: readonly UnquarantinedEntry[];
}

/** Options of {@link readTreasuryRecords}. */
export interface ReadTreasuryRecordsOptions extends LedgerRecordStoreOptions {
  /** The treasury's currency: records in another, or finer than it, do not count. */
  currency?: Currency;
}

/**
 * Reads the treasury's records from a record store or a ledger, never throwing for a bad
 * entry: each entry that the treasury refuses is skipped and reported at its file and line, by
 * the rule of spec/treasury.md, section 5.4. `karnel validate` calls this on a group's ledger.
 *
 * @throws only what the source throws (a ledger whose chain does not verify).
 */
export async function readTreasuryRecords(
  source: TreasuryRecordStore | LedgerReader,
  options: ReadTreasuryRecordsOptions = {},
): Promise<TreasuryRecordsRead> {
  const entries =
    'readEntries' in source && typeof source.readEntries === 'function'
      ? await source.readEntries()
      : await readLedgerTreasuryEntries(source as LedgerReader, options);
  return foldTreasuryEntries(entries, options.currency);
}

const checks = new WeakMap<StoredTreasuryEntry, { key: string; check: TreasuryRecordCheck }>();

/** What a fold has seen so far; see {@link createTreasuryFold}. */
interface FoldState {
  entries: readonly StoredTreasuryEntry[] | undefined;
  seen: number;
  key: string;
  records: TreasuryRecord[];
  bad: Map<number, UnquarantinedEntry>;
  quarantinedBy: Map<number, StoredTreasuryEntry>;
}

const emptyFold = (key: string): FoldState => ({
  entries: undefined,
  seen: 0,
  key,
  records: [],
  bad: new Map(),
  quarantinedBy: new Map(),
});

/**
 * The pure part of {@link readTreasuryRecords}: checks stored entries and applies the
 * quarantine rule. The same entries and currency always give the same answer.
 */
export function foldTreasuryEntries(
  entries: readonly StoredTreasuryEntry[],
  currency?: Currency,
): TreasuryRecordsRead {
  const state = emptyFold(currencyKey(currency));
  foldFrom(state, entries, currency);
  return { ...conclude(state), records: state.records };
}

/**
 * An incremental {@link foldTreasuryEntries} for a store that returns the same entries array,
 * grown (see `TreasuryRecordStore.readEntries`): given that array again, only the entries added
 * since are checked, so a treasury's reads cost what was appended, not what was ever recorded.
 * Any other array, or another currency, is folded from the start. The `records` it returns
 * grow with later calls; copy them to keep a snapshot.
 */
export function createTreasuryFold(): (
  entries: readonly StoredTreasuryEntry[],
  currency?: Currency,
) => TreasuryRecordsRead {
  let state = emptyFold('');
  return (entries, currency) => {
    const key = currencyKey(currency);
    if (state.entries !== entries || state.key !== key || entries.length < state.seen)
      state = emptyFold(key);
    foldFrom(state, entries, currency);
    return { ...conclude(state), records: state.records };
  };
}

function currencyKey(currency: Currency | undefined): string {
  return currency ? `${currency.code}:${currency.decimals}` : '';
}

function foldFrom(
  state: FoldState,
  entries: readonly StoredTreasuryEntry[],
  currency: Currency | undefined,
): void {
  const { key, records, bad, quarantinedBy } = state;
  for (let index = state.seen; index < entries.length; index++) {
    const entry = entries[index]!;
    let check: TreasuryRecordCheck;
    if (entry.unreadable !== undefined) {
      check = { ok: false, code: 'treasury/invalid-record', message: entry.unreadable };
    } else {
      const cached = checks.get(entry);
      if (cached && cached.key === key) check = cached.check;
      else {
        check = entry.checked
          ? checkRecordAmount(entry.checked, currency)
          : checkTreasuryRecord(entry.value, currency);
        checks.set(entry, { key, check });
      }
    }
    if (!check.ok) {
      bad.set(entry.seq, { entry, code: check.code, reason: check.message });
    } else if (check.value.type === QUARANTINE_RECORD_TYPE) {
      const record = check.value;
      const named = bad.get(record.seq);
      if (named && named.entry.hash === record.hash && named.entry.seq < entry.seq) {
        if (!quarantinedBy.has(record.seq)) quarantinedBy.set(record.seq, entry);
      } else {
        bad.set(entry.seq, {
          entry,
          code: 'treasury/invalid-quarantine',
          reason: `it quarantines entry ${record.seq}, but no earlier entry with that position and hash fails the treasury's checks, so it is ignored: a quarantine cannot remove money that was validly recorded`,
        });
      }
    } else {
      records.push(check.value);
    }
  }
  state.entries = entries;
  state.seen = entries.length;
}

function conclude(state: FoldState): Omit<TreasuryRecordsRead, 'records'> {
  const diagnostics: Diagnostic[] = [];
  const unquarantined: UnquarantinedEntry[] = [];
  for (const found of state.bad.values()) {
    const { entry } = found;
    const by = state.quarantinedBy.get(entry.seq);
    if (!by) unquarantined.push(found);
    diagnostics.push(
      createDiagnostic({
        file: entry.file,
        line: entry.line,
        severity: by ? 'warning' : 'error',
        code: found.code,
        message: `entry ${entry.seq} (${entry.type || 'no type'}, hash ${entry.hash.slice(0, 12)}…) does not count: ${found.reason}${
          by ? `; quarantined by entry ${by.seq} at line ${by.line}` : ''
        }`,
      }),
    );
  }
  return { diagnostics, unquarantined };
}
