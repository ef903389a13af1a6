import type { Signer } from '@karnel/core';
import type { LedgerEntry } from '../format/entry';
import type { PrepareRecord } from './prepared-record';

/** One append waiting for its batch to be written. */
export interface QueuedAppend {
  /** Builds the record under the lock. */
  readonly prepare: PrepareRecord;
  /** Signs the entry, when set. */
  readonly signer: Signer | undefined;
  /** Settles the append once its entry is durable. */
  readonly resolve: (entry: LedgerEntry) => void;
  /** Settles the append when it was refused or the batch failed. */
  readonly reject: (error: unknown) => void;
}

/** Appends written together, sharing their fsyncs. */
export type CommitBatch = readonly QueuedAppend[];

/** Group commit settings, defaults applied. */
export interface GroupCommit {
  /** Longest wait, from the first queued append, before a batch is written. */
  readonly maxDelayMs: number;
  /** Most appends written with one fsync. */
  readonly maxBatch: number;
}

/**
 * The appends of one ledger waiting to be written, one batch at a time. Without group commit
 * every append is its own batch; with it, appends queued within `maxDelayMs` of the first (up
 * to `maxBatch`) share one batch, and so one set of fsyncs.
 */
export class CommitQueue {
  readonly #group: GroupCommit | undefined;
  readonly #write: (batch: CommitBatch) => Promise<void>;
  #waiting: QueuedAppend[] = [];
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
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
      await this.#writing;
    }
  }

  /** Takes no more appends, and writes those already queued. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.drain();
  }

  #schedule(): void {
    if (this.#writing || this.#timer) return;
    const group = this.#group;
    const delay = group && this.#waiting.length < group.maxBatch ? group.maxDelayMs : 0;
    if (delay > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#start();
      }, delay);
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
