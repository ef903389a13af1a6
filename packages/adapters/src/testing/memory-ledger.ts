import type { CommittedEntry, LedgerPort, LedgerRecord } from '@karnel/core';

/** An in-memory `LedgerPort` (of `@karnel/core`) for tests: records kept in order, no hashing, no signing. */
export interface MemoryLedger extends LedgerPort {
  /** The records appended so far, oldest first. */
  readonly records: readonly LedgerRecord[];
}

/** Creates an empty {@link MemoryLedger}. */
export function createMemoryLedger(): MemoryLedger {
  const records: LedgerRecord[] = [];
  return {
    records,
    async append(record) {
      records.push(JSON.parse(JSON.stringify(record)) as LedgerRecord);
      return { seq: records.length - 1 };
    },
    async *entries(): AsyncIterable<CommittedEntry> {
      for (const [seq, record] of [...records].entries())
        yield { ...record, seq, time: new Date(0).toISOString(), hash: String(seq) };
    },
  };
}
