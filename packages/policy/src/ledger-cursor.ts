import type { CommittedEntry, LedgerReader } from '@karnel/core';

/** Reads a ledger incrementally: each call yields only the entries appended since the last. */
export interface LedgerCursor {
  /** The committed entries not yet seen by this cursor, oldest first. */
  next(): AsyncIterable<CommittedEntry>;
}

type SeekingEntries = (options: { fromSeq: number }) => AsyncIterable<CommittedEntry>;

/**
 * Creates a {@link LedgerCursor}. The ledger is append-only, so what was read once never
 * changes: approvals, safe mode and revocations fold new entries into what they already know
 * instead of re-reading (and re-verifying signatures in) the whole chain on every call. Readers
 * that accept `{ fromSeq }` (as `@karnel/ledger`'s does) are asked to start there; with any
 * other reader, entries already seen are skipped by sequence number.
 *
 * @internal
 */
export function createLedgerCursor(reader: LedgerReader): LedgerCursor {
  let nextSeq = 0;
  return {
    async *next() {
      const entries = (reader.entries as unknown as SeekingEntries).call(reader, {
        fromSeq: nextSeq,
      });
      for await (const entry of entries) {
        if (entry.seq < nextSeq) continue;
        nextSeq = entry.seq + 1;
        yield entry;
      }
    },
  };
}
