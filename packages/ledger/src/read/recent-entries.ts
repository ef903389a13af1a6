import type { LedgerEntry } from '../format/entry';

/** Most entries kept (see {@link RecentEntries}). */
const MAX_ENTRIES = 4096;
/** Most bytes of chain lines kept, about what their entries take in memory. */
export const RECENT_MAX_BYTES = 8 * 1024 * 1024;
const MAX_BYTES = RECENT_MAX_BYTES;

/**
 * The last entries of a live chain, as its writer appended or read them, consecutive by seq:
 * what a reader that comes back for the few entries appended since its last read asks for.
 * A ledger hands them out instead of reading the chain file again only while the file is exactly
 * as the writer left it (same inode, same size): then these are the file's last entries, each
 * already checked against the chain when it was written or read.
 *
 * Entries are frozen (deeply) when kept: every reader gets the same objects.
 */
export class RecentEntries {
  #entries: LedgerEntry[] = [];
  #sizes: number[] = [];
  #bytes = 0;
  #first = 0;

  /** Keeps `entry`, whose chain line is `size` bytes; an entry that does not follow the last starts over. */
  push(entry: LedgerEntry, size: number): void {
    if (this.#entries.length > 0 && entry.seq !== this.#first + this.#entries.length) this.clear();
    if (this.#entries.length === 0) this.#first = entry.seq;
    this.#entries.push(deepFreeze(entry));
    this.#sizes.push(size);
    this.#bytes += size;
    if (this.#entries.length > MAX_ENTRIES || this.#bytes > MAX_BYTES) this.#trim();
  }

  /** The kept entries from `seq` on, or `undefined` when entries before them were not kept. */
  from(seq: number): readonly LedgerEntry[] | undefined {
    if (this.#entries.length === 0 || seq < this.#first) return undefined;
    return this.#entries.slice(seq - this.#first);
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries = [];
    this.#sizes = [];
    this.#bytes = 0;
    this.#first = 0;
  }

  /** Drops the oldest quarter (at least down to the limits), so trimming is rare. */
  #trim(): void {
    let drop = Math.max(1, Math.floor(this.#entries.length / 4));
    let dropped = 0;
    for (let index = 0; index < drop; index++) dropped += this.#sizes[index]!;
    while (this.#bytes - dropped > MAX_BYTES && drop < this.#entries.length - 1) {
      dropped += this.#sizes[drop]!;
      drop++;
    }
    this.#entries = this.#entries.slice(drop);
    this.#sizes = this.#sizes.slice(drop);
    this.#bytes -= dropped;
    this.#first += drop;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
