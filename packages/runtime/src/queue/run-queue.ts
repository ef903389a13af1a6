import type { WakeReason } from '../wake-reason';

/** What {@link RunQueue.enqueue} did with a wake reason. */
export type EnqueueResult =
  | {
      /** A new wake was queued for the member. */
      readonly status: 'queued';
      /** The queued wake's id. */
      readonly wakeId: string;
    }
  | {
      /** The member already had a queued wake; the reason was merged into it. */
      readonly status: 'coalesced';
      /** The id of the queued wake the reason joined. */
      readonly wakeId: string;
    }
  | {
      /** The reason was refused: the member is paused, or the reason is its own message. */
      readonly status: 'refused';
      /** Why, one sentence. */
      readonly why: string;
    };

/** A wake handed out by {@link RunQueue.claim}: the member, the reasons, and the run to do. */
export interface ClaimedWake {
  /** The wake's id. */
  readonly wakeId: string;
  /** The member's role in the group. */
  readonly member: string;
  /** Every reason coalesced into this wake, oldest first. */
  readonly reasons: readonly WakeReason[];
  /** The run id to use: new for a fresh run, the parked run's id for a resumption. */
  readonly runId: string;
  /** True when `runId` is a parked or interrupted run to resume from its recorded steps. */
  readonly resume: boolean;
  /** Until when the claim holds (RFC 3339); an engine may reclaim the wake afterwards. */
  readonly leaseExpiresAt: string;
}

/** How a claimed wake ended, reported with {@link RunQueue.complete}. */
export type WakeCompletion = 'succeeded' | 'failed' | 'parked' | 'abandoned';

/** What a queue holds for one member right now. */
export interface MemberQueueState {
  /** The member's role. */
  readonly member: string;
  /** The queued wake, if any (at most one). */
  readonly queued?: {
    /** The queued wake's id. */
    readonly wakeId: string;
    /** Its reasons, oldest first. */
    readonly reasons: readonly WakeReason[];
  };
  /** The running wake, if any (at most one). */
  readonly running?: {
    /** The running wake's id. */
    readonly wakeId: string;
    /** The run it carries out. */
    readonly runId: string;
    /** When it was claimed (RFC 3339). */
    readonly since: string;
  };
}

/**
 * The run queue: at most one queued and one running wake per member, new reasons coalescing
 * into the queued one. The in-process default keeps its state in memory and rebuilds it from
 * the ledger and the group directory after a restart; a Postgres engine (pg-boss) implements
 * the same interface for runs spread over several machines.
 */
export interface RunQueue {
  /** The interface version this queue implements. */
  readonly specificationVersion: 'v1';
  /** Offers a wake reason for `member`; coalesces into the queued wake when there is one. */
  enqueue(member: string, reason: WakeReason): Promise<EnqueueResult>;
  /**
   * Claims the oldest queued wake whose member has no running wake, or `undefined` when none
   * is ready. `runId` and `resume` are supplied by the caller when it resumes a parked run.
   */
  claim(): Promise<ClaimedWake | undefined>;
  /** Extends a claim's lease while its run is still working. */
  heartbeat(wakeId: string): Promise<void>;
  /** Ends a claimed wake. */
  complete(wakeId: string, completion: WakeCompletion): Promise<void>;
  /** What the queue holds, member by member. */
  snapshot(): Promise<readonly MemberQueueState[]>;
  /** Releases the queue's resources; pending claims are left for a restart to recover. */
  close(): Promise<void>;
}
