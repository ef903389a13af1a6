import type { Signer } from '@karnel/core';
import type { LedgerEntry } from '../format/entry';
import type { PrepareRecord } from './prepared-record';

/** One append waiting for its batch to be written. */
export interface QueuedAppend {
  /** Builds the record under the lock. */
  readonly prepare: PrepareRecord;
  /** Signs the entry, when set. */
  readonly signer: Signer | undefined;
  /**
   * Whether the append resolves only once its entry is on disk (`true`, every ordinary
   * append), or as soon as it is written to the chain file (`false`: `appendUnsynced`, made
   * durable by a later `sync` or by the next durable append's fsync of the same file).
   */
  readonly durable: boolean;
  /**
   * Set on a sync barrier (`Ledger.sync`): it appends nothing, and settles once every entry
   * written before it is durable (one fsync shared with the appends of its batch).
   */
  readonly barrier?: true;
  /** Settles the append once its entry is durable (`undefined` for a barrier). */
  readonly resolve: (entry: LedgerEntry | undefined) => void;
  /** Settles the append when it was refused or the batch failed. */
  readonly reject: (error: unknown) => void;
}

/** Appends written together, sharing their fsyncs. */
export type CommitBatch = readonly QueuedAppend[];

/** Group commit settings, defaults applied. */
export interface GroupCommit {
  /**
   * Longest wait, from the first queued append, before a batch is written; `0` writes at once
   * (the appends queued while that batch is being written then form the next one).
   */
  readonly maxDelayMs: number;
  /** Most appends written with one fsync. */
  readonly maxBatch: number;
}

/**
 * The appends of one ledger waiting to be written, one batch at a time, in the order they were
 * queued. Without group commit every append is its own batch; with it, the appends queued in
 * the same tick, or while the previous batch was being written, or within `maxDelayMs` of the
 * first when that is set (up to `maxBatch`), share one batch, and so one set of fsyncs.
 */
export class CommitQueue {
  readonly #group: GroupCommit | undefined;
  readonly #write: (batch: CommitBatch) => Promise<void>;
  #waiting: QueuedAppend[] = [];
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #soon = false;
  #closed = false;

  /**
   * @param group - Group commit settings, or `undefined` for one append per batch.
   * @param write - Writes a batch and settles each of its appends; never rejects.
   */
  constructor(group: GroupCommit | undefined, write: (batch: CommitBatch) => Promise<void>) {
    this.#group = group;
    this.#write = write;
  }

  /** Whether {@link close} was called: no more appends are taken. */
  get closed(): boolean {
    return this.#closed;
  }

  /** How many appends are queued and not yet taken into a batch. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Queues an append. */
  push(append: QueuedAppend): void {
    this.#waiting.push(append);
    this.#schedule();
  }

  /** Writes everything queued now, without waiting for the group-commit delay. */
  async drain(): Promise<void> {
    while (this.#writing || this.#waiting.length > 0) {
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#start();
      }
      if (this.#soon) this.#start();
      await this.#writing;
    }
  }

  /** Takes no more appends, and writes those already queued. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.drain();
  }

  #schedule(): void {
    if (this.#writing || this.#timer || this.#soon) return;
    const group = this.#group;
    const delay = group && this.#waiting.length < group.maxBatch ? group.maxDelayMs : 0;
    if (delay > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#start();
      }, delay);
    } else if (group) {
      // Group commit without a delay: the appends queued by the code running now join this
      // batch (a microtask later), and those queued while it is written form the next one.
      this.#soon = true;
      queueMicrotask(() => {
        this.#soon = false;
        this.#start();
      });
    } else {
      this.#start();
    }
  }

  #start(): void {
    if (this.#writing || this.#waiting.length === 0) return;
    const batch = this.#waiting.splice(0, this.#group ? this.#group.maxBatch : 1);
    this.#writing = this.#write(batch)
      .catch(() => undefined)
      .finally(() => {
        this.#writing = undefined;
        if (this.#waiting.length > 0) this.#schedule();
      });
  }
}
