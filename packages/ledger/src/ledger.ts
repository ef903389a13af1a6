import type { Clock, Diagnostic, LedgerPort, RecordValidator, Signer } from '@karnel/core';
import type { LedgerEntry } from './format/entry';
import type { Checkpoint } from './transparency/checkpoint';
import type { VerifyOptions, VerifyReport } from './verify/verify-ledger';

/** Group commit settings: how long appends may wait to share one fsync. */
export interface GroupCommitOptions {
  /**
   * Longest wait, from the first queued append, before a batch is written. Default 0: a batch
   * is written at once, with the appends queued in the same tick, and the appends queued while
   * it is being written share the next one (so a lone caller never waits for a timer, and
   * concurrent callers still share fsyncs).
   */
  readonly maxDelayMs?: number;
  /** Most appends written with one fsync. Default 512. */
  readonly maxBatch?: number;
}

/** Options of {@link openLedger}. */
export interface OpenLedgerOptions {
  /** Signs every entry this ledger writes, unless an append passes its own signer. */
  readonly signer?: Signer;
  /** Where entry times come from. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Batch concurrent appends so that they share fsyncs. Each append still resolves only once
   * its entry is on disk. `true` uses the defaults of {@link GroupCommitOptions}. Default `false`.
   */
  readonly groupCommit?: boolean | GroupCommitOptions;
  /** How long to wait for another process's write lock. Default 30 000 ms. */
  readonly lockTimeoutMs?: number;
  /**
   * Checks for the record types other packages own (`spend.recorded`, `approval.*` …). An
   * append of an owned type that fails its validator is refused with an `InvalidRecordError`,
   * and nothing of it is written.
   */
  readonly validators?: readonly RecordValidator[];
  /**
   * Create the ledger on the first append when the folder holds none. Default `true`; with
   * `false`, opening a path that is not a ledger yet throws `LedgerNotFoundError` (a CLI
   * refusing to create a store at a mistyped path).
   */
  readonly create?: boolean;
  /**
   * Open for reading only: nothing is created, written or locked, so a ledger on a read-only
   * mount, or one a reader may not write, opens. Appends (and `sync`, `snapshot`, `archive`)
   * reject with a `LedgerStateError`. The chain is still replayed and checked; a torn last line
   * another writer left is skipped, not cut off. Default `false`.
   */
  readonly readOnly?: boolean;
}

/** Options of {@link Ledger.sync}. */
export interface SyncOptions {
  /** The last seq that must be durable (an entry `appendUnsynced` returned). Default: all. */
  readonly through?: number;
}

/** A record for the generic {@link Ledger.append}. */
export interface AppendRecord {
  /** Dotted lowercase type: `approval.requested`, `grant.issued`, `spend.recorded`, … */
  readonly type: string;
  /** The record's content (any JSON object). */
  readonly body: Record<string, unknown>;
  /**
   * Files to store with the record, by name (`evidence.json`, `diff/patch.txt`); they are
   * written to `records/<ent_id>/<name>` and their digests committed by the entry.
   */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
}

/** Options of a single append. */
export interface AppendOptions {
  /** Signs this entry (instead of the ledger's default signer). */
  readonly signer?: Signer;
}

/** What {@link Ledger.startRun} records. */
export interface StartRunInput {
  /** The run's id; a new `run_…` id by default. */
  readonly runId?: string;
  /** What this run is (agent, trigger, goal, model tier …); stored as `manifest.json`. */
  readonly manifest?: Record<string, unknown>;
}

/** The result of {@link Ledger.startRun}. */
export interface StartedRun {
  /** The run's id. */
  readonly runId: string;
  /** The `run.started` entry. */
  readonly entry: LedgerEntry;
}

/** What {@link Ledger.recordDecision} records. */
export interface RecordDecisionInput {
  /** The decision's id; a new `dec_…` id by default. */
  readonly decisionId?: string;
  /** What was known when deciding; stored as `context.yaml`. */
  readonly context: Record<string, unknown>;
  /** Why; stored as `reasoning.md`. */
  readonly reasoning: string;
  /** The outcome, if already observable; otherwise record it later with {@link Ledger.recordOutcome}. */
  readonly outcome?: Record<string, unknown>;
  /** The run the decision was taken in, if any. */
  readonly runId?: string;
}

/** The result of {@link Ledger.recordDecision}. */
export interface RecordedDecision {
  /** The decision's id. */
  readonly decisionId: string;
  /** The `decision.recorded` entry. */
  readonly entry: LedgerEntry;
}

/** What {@link Ledger.recordOutcome} records. */
export interface RecordOutcomeInput {
  /** The decision whose outcome this is: written to `decisions/<id>/outcome.yaml`. */
  readonly decisionId?: string;
  /** Without a decision: the id of a group outcome in `outcomes/` (a new `out_…` by default). */
  readonly outcomeId?: string;
  /** Goals the outcome is attributed to. */
  readonly goals?: readonly string[];
  /** What happened. */
  readonly outcome: Record<string, unknown>;
}

/** Options of {@link Ledger.entries}. */
export interface EntriesOptions {
  /** First seq to yield. Default 0. */
  readonly fromSeq?: number;
  /** Only entries of this type, or whose type starts with this prefix followed by a dot. */
  readonly type?: string;
}

/** Options of {@link Ledger.checkpoint}. */
export interface CheckpointOptions {
  /** The checkpoint's origin line. Default `karnel.ledger/<hash of entry 0>`. */
  readonly origin?: string;
  /** More signers (witnesses, co-owners) to sign the same checkpoint. */
  readonly cosigners?: readonly Signer[];
}

/** An inclusion proof: entry `seq` is in the tree of `size` entries. */
export interface InclusionProof {
  /** The entry's seq (its leaf index). */
  readonly seq: number;
  /** The entry's hash (its RFC 6962 leaf hash), hex. */
  readonly hash: string;
  /** The tree size the proof is for. */
  readonly size: number;
  /** The tree's root, hex. */
  readonly root: string;
  /** Sibling hashes from the leaf up, hex. */
  readonly path: readonly string[];
}

/** A consistency proof: the tree of `oldSize` entries is a prefix of the tree of `newSize`. */
export interface ConsistencyProof {
  /** The older tree size. */
  readonly oldSize: number;
  /** The older root, hex. */
  readonly oldRoot: string;
  /** The newer tree size. */
  readonly newSize: number;
  /** The newer root, hex. */
  readonly newRoot: string;
  /** The proof's node hashes, hex. */
  readonly path: readonly string[];
}

/**
 * An open ledger: the only way Karnel packages write accountability records. Every method
 * that writes resolves only when the entry (and any file it commits) is on disk, except
 * {@link Ledger.appendUnsynced}, which says so in its name.
 */
export interface Ledger extends LedgerPort {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** The ledger folder. */
  readonly dir: string;
  /** What opening repaired: a torn last line dropped after a crash (reported, never silent). */
  readonly recovered: readonly Diagnostic[];
  /** Appends any record type; used by policy, workers, coordination and treasury. */
  append(record: AppendRecord, options?: AppendOptions): Promise<LedgerEntry>;
  /**
   * Appends like {@link Ledger.append}, in the same order as every other append, but resolves
   * as soon as the entry is written to the chain file, before its fsync: readers (in this
   * process or another) see it at once, and it survives this process being killed (the written
   * bytes are in the operating system's page cache), but an operating-system crash or power
   * loss before the next fsync of the chain can lose it, together with every later entry. The
   * next {@link Ledger.sync}, or the fsync of any later durable append to this ledger (by any
   * process: the chain is one file, appended in order), makes it durable. Files the record
   * commits are still made durable before its entry is written.
   *
   * For a writer that makes several dependent appends and acknowledges them together after one
   * `sync` (the treasury's group commit): nothing written this way may be acknowledged to
   * anyone before that `sync` resolves, unless losing it in an OS crash is harmless.
   */
  appendUnsynced(record: AppendRecord, options?: AppendOptions): Promise<LedgerEntry>;
  /**
   * Makes every entry written before this call durable (one fsync of the chain file, skipped
   * when nothing was written unsynced since the last one). Rejects when the fsync fails: the
   * entries are then still in the chain file, but may not survive an OS crash.
   *
   * With `through`, only the entries up to that seq need to be durable: resolves at once when
   * an fsync of this ledger already covered them (one that a later writer's `sync` or durable
   * append made, for instance), without another one for entries written since.
   */
  sync(options?: SyncOptions): Promise<void>;
  /**
   * Runs `task` keeping this process's write lock on the ledger from the first append made
   * meanwhile (by `task` or anyone else in this process) until `task` ends, instead of taking
   * and releasing it for each batch. For a writer that makes several dependent appends in a row
   * (the treasury's lock hold): other processes wait for the whole of `task`, so keep it short.
   * Appends are written and acknowledged as without it.
   */
  withWriteLock<T>(task: () => Promise<T>): Promise<T>;
  /** Starts a run: writes `runs/<id>/manifest.json` and a `run.started` entry. */
  startRun(input?: StartRunInput, options?: AppendOptions): Promise<StartedRun>;
  /** Appends a step (tool call, decision, cost …) to `runs/<id>/steps.jsonl` with a `run.step` entry. */
  appendStep(
    runId: string,
    step: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry>;
  /** Finishes a run: writes `runs/<id>/outcome.yaml` and a `run.finished` entry. */
  finishRun(
    runId: string,
    outcome: Record<string, unknown>,
    options?: AppendOptions,
  ): Promise<LedgerEntry>;
  /** Records a decision: `decisions/<id>/context.yaml`, `reasoning.md` (and `outcome.yaml` if known). */
  recordDecision(input: RecordDecisionInput, options?: AppendOptions): Promise<RecordedDecision>;
  /** Records an outcome: a decision's `outcome.yaml`, or a group outcome in `outcomes/`. */
  recordOutcome(input: RecordOutcomeInput, options?: AppendOptions): Promise<LedgerEntry>;
  /** Appends an event to `coordination_log.jsonl` with a `coordination.logged` entry. */
  appendCoordination(event: Record<string, unknown>, options?: AppendOptions): Promise<LedgerEntry>;
  /** Streams the entries on disk in chain order (each is a core `CommittedEntry`). */
  entries(options?: EntriesOptions): AsyncIterable<LedgerEntry>;
  /** Verifies the whole ledger (see {@link verifyLedger}). */
  verify(options?: VerifyOptions): Promise<VerifyReport>;
  /** Signs a checkpoint of the ledger as it is on disk now. */
  checkpoint(signer: Signer, options?: CheckpointOptions): Promise<Checkpoint>;
  /** Proves that entry `seq` is in the tree of `size` entries (default: the current size). */
  proveInclusion(seq: number, size?: number): Promise<InclusionProof>;
  /** Proves that the tree of `oldSize` entries is a prefix of the tree of `newSize` (default: current). */
  proveConsistency(oldSize: number, newSize?: number): Promise<ConsistencyProof>;
  /**
   * Appends a signed `ledger.snapshot` entry recording everything needed to continue the chain
   * without the entries before it (Merkle frontier, committed file digests, open runs). It is
   * the anchor of {@link Ledger.archive}.
   */
  snapshot(signer: Signer): Promise<LedgerEntry>;
  /**
   * Moves every entry before the latest snapshot to `archive/chain-<first>-<last>.jsonl`; the
   * live chain then starts at the snapshot. The archive can later be moved elsewhere: the chain
   * stays verifiable from the signed snapshot, and fully verifiable with the archive.
   */
  archive(): Promise<ArchiveResult>;
  /** Waits for queued appends, then releases the ledger. */
  close(): Promise<void>;
}

/** The result of {@link Ledger.archive}. */
export interface ArchiveResult {
  /** Number of entries moved to the archive. */
  readonly archived: number;
  /** The archive segment written, relative to the ledger folder. */
  readonly segment: string;
  /** The seq the live chain now starts at (the snapshot's). */
  readonly base: number;
}
