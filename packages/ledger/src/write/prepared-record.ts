import { LedgerStateError } from '../errors';
import type { ChainState } from '../read/chain-state';

/** One data file write of a prepared record. */
export interface FileWrite {
  /** Ledger-relative path. */
  readonly path: string;
  /** The bytes to write. */
  readonly data: Buffer;
  /** `true`: a chunk added to an append-only file; `false`: a whole file, written once. */
  readonly append: boolean;
}

/** A record ready to be chained, produced under the lock from the current state. */
export interface PreparedRecord {
  /** Record type. */
  readonly type: string;
  /** The entry's body. */
  readonly body: Record<string, unknown>;
  /**
   * The body's canonical JSON, when the record already made it; then `body` must be
   * `JSON.parse(bodyJson)`, a fresh object nobody else holds (the entry returned shares it).
   */
  readonly bodyJson?: string;
  /** Data files the entry writes and commits. */
  readonly files: readonly FileWrite[];
}

/**
 * Builds a record from the chain state and the entry's time, under the writers' lock; throws
 * (a {@link LedgerStateError}) when the record does not fit the state.
 */
export type PrepareRecord = (
  state: ChainState,
  time: string,
) => PreparedRecord | Promise<PreparedRecord>;

/** Record types only the typed methods may write: generic appends could corrupt their state. */
export const RESERVED_TYPES = new Set([
  'run.started',
  'run.step',
  'run.finished',
  'decision.recorded',
  'decision.outcome',
  'outcome.recorded',
  'coordination.logged',
]);

/** Refuses a record that would rewrite a file the ledger already holds. */
export function checkWrites(state: ChainState, prepared: PreparedRecord): void {
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
