import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type LedgerEntry, readLedgerEntries } from '@karnel/ledger';

/** The group ledger as read at one moment: every entry in chain order. */
export interface LedgerSnapshot {
  /** Every entry, in chain order (`entries[i].seq` need not equal `i` after an archive). */
  readonly entries: readonly LedgerEntry[];
  /** The size and modification time of `chain.jsonl` when it was read. */
  readonly version: string;
  /** When the chain could not be read (tampered, unreadable): the reason. Entries up to it are kept. */
  readonly problem?: string;
}

/**
 * Reads a ledger folder and keeps what it read until `chain.jsonl` changes (its size or
 * modification time), so a page over a 100 000-entry ledger does not re-read it on every
 * request. A missing ledger folder reads as an empty ledger with a problem, never silently.
 */
export class LedgerCache {
  private current: LedgerSnapshot | undefined;
  private pending: Promise<LedgerSnapshot> | undefined;

  constructor(readonly ledgerDir: string) {}

  /** The snapshot, re-read when the chain changed since the last call. */
  async snapshot(): Promise<LedgerSnapshot> {
    const version = await this.version();
    if (this.current?.version === version) return this.current;
    if (!this.pending) {
      this.pending = this.read(version).finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  private async version(): Promise<string> {
    try {
      const info = await stat(join(this.ledgerDir, 'chain.jsonl'));
      return `${info.size}:${info.mtimeMs}`;
    } catch (error) {
      return `missing:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
    }
  }

  private async read(version: string): Promise<LedgerSnapshot> {
    const entries: LedgerEntry[] = [];
    let problem: string | undefined;
    if (version.startsWith('missing:')) {
      const code = version.slice('missing:'.length);
      problem =
        code === 'ENOENT'
          ? 'the group has no ledger yet (ledger/chain.jsonl is missing)'
          : `ledger/chain.jsonl cannot be read (${code})`;
    } else {
      try {
        for await (const entry of readLedgerEntries(this.ledgerDir)) entries.push(entry);
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
    }
    const snapshot: LedgerSnapshot = { entries, version, ...(problem ? { problem } : {}) };
    this.current = snapshot;
    return snapshot;
  }
}
