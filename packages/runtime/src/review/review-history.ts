import type { LedgerEntry } from '@karnel/ledger';

/** The scheduled reviews: the weekly strategic review and the monthly meta-review. */
export const REVIEW_HORIZONS = ['weekly', 'monthly'] as const;

/** One of {@link REVIEW_HORIZONS}. */
export type ReviewHorizon = (typeof REVIEW_HORIZONS)[number];

/** The ledger record a scheduled review leaves (reviewed, skipped, refused or failed). */
export const STRATEGIC_REVIEW_RECORD = 'review.strategic';

/** The ledger record a per-run review leaves (`REVIEW_RECORD_TYPES.reviewed` of review-run). */
const PER_RUN_REVIEW_RECORD = 'review.finished';

/**
 * Record types that never count as a change for a scheduled review: the runtime's own
 * bookkeeping (the lease) and the treasury's (a run's spending comes with the run's own records).
 */
const BOOKKEEPING = new Set([
  'runtime.lease_taken',
  'runtime.lease_released',
  'reservation.opened',
  'reservation.released',
  'spend.recorded',
  // The curator's upkeep of the skill library is not a strategic change.
  'curator.pass',
  'curator.mutation',
  'curator.rollback',
  'curator.proposals',
]);

/** The last scheduled review of one horizon, as its ledger record tells it. */
export interface LastReview {
  /** Seq of its `review.strategic` record. */
  readonly seq: number;
  /** When it was recorded (RFC 3339). */
  readonly at: string;
  /** `reviewed`, `skipped`, `refused` or `failed`. */
  readonly status: string;
  /** The digest of the group directory's reviewed files after it (see `reviewedFilesDigest`). */
  readonly state?: string;
  /** The review's own run, when it ran. */
  readonly runId?: string;
}

/** What the ledger recorded since the last review of one horizon. */
export interface ReviewWindow {
  /** The last attempt at a review of the horizon, whatever its status (its cadence counts from it). */
  readonly last?: LastReview;
  /**
   * The last review that ran or was skipped because nothing had changed: what changed is counted
   * from it. A refused or failed attempt leaves it as it was.
   */
  readonly base?: LastReview;
  /** Entries recorded since `base` that count as a change (not bookkeeping, not a review's own run). */
  readonly changes: number;
  /** Coordination messages logged since. */
  readonly messages: number;
  /** Outcomes since: runs finished and outcomes recorded. */
  readonly outcomes: number;
  /** Runs finished since (not reviews). */
  readonly runs: number;
  /** One line per run finished, outcome or decision recorded since, the latest 100. */
  readonly activity: readonly string[];
  /** The runs finished since (not reviews), the latest 100, oldest first. */
  readonly finished: readonly string[];
}

/**
 * The scheduled reviews' view of the ledger, folded entry by entry (the runtime's ledger
 * history feeds it, so an idle tick reads nothing new): for each horizon, the last review and
 * what changed since. A review's own run and a skipped review's record are never changes.
 */
export interface ReviewHistory {
  /** Folds one ledger entry, in seq order. */
  observe(entry: LedgerEntry): void;
  /** The window of `horizon`: its last review and what changed since. */
  window(horizon: ReviewHorizon): ReviewWindow;
  /** When a per-run review of `member`'s work last ran (`review.finished`, reviewed), if ever. */
  lastPerRunReview(member: string): string | undefined;
}

interface Counts {
  changes: number;
  messages: number;
  outcomes: number;
  runs: number;
}

interface OpenWindow {
  last?: LastReview;
  base?: LastReview;
  /** Everything counted since `base`. */
  total: Counts;
  /** What of `total` belongs to each run: taken out when the run turns out to be a review's. */
  byRun: Map<string, Counts>;
  /** The latest activity lines, with the run each belongs to. */
  activity: {
    readonly runId?: string;
    readonly line: string;
    readonly finished: boolean;
  }[];
}

const ACTIVITY_LINES = 100;

const empty = (): Counts => ({ changes: 0, messages: 0, outcomes: 0, runs: 0 });

const openWindow = (last?: LastReview): OpenWindow => ({
  ...(last ? { last, base: last } : {}),
  total: empty(),
  byRun: new Map(),
  activity: [],
});

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isHorizon(value: unknown): value is ReviewHorizon {
  return value === 'weekly' || value === 'monthly';
}

/** Creates an empty {@link ReviewHistory}; feed it every ledger entry in order. */
export function createReviewHistory(): ReviewHistory {
  const windows = new Map<ReviewHorizon, OpenWindow>(
    REVIEW_HORIZONS.map((horizon) => [horizon, openWindow()]),
  );
  const reviewRuns = new Set<string>();
  const perRun = new Map<string, string>();
  /** A review's own run is not a change: what it added is taken back out. */
  const forget = (runId: string) => {
    reviewRuns.add(runId);
    for (const window of windows.values()) {
      const counted = window.byRun.get(runId);
      if (counted) {
        window.total.changes -= counted.changes;
        window.total.messages -= counted.messages;
        window.total.outcomes -= counted.outcomes;
        window.total.runs -= counted.runs;
        window.byRun.delete(runId);
      }
      window.activity = window.activity.filter((item) => item.runId !== runId);
    }
  };
  return {
    lastPerRunReview(member) {
      return perRun.get(member);
    },
    observe(entry) {
      const body = entry.body;
      if (entry.type === PER_RUN_REVIEW_RECORD && body.status === 'reviewed') {
        const member = text(body.member);
        if (member) perRun.set(member, entry.time);
      }
      if (entry.type === STRATEGIC_REVIEW_RECORD) {
        const runId = text(body.runId);
        if (runId) forget(runId);
        const horizon = body.horizon;
        if (!isHorizon(horizon)) return;
        const state = text(body.state);
        const status = text(body.status) ?? 'reviewed';
        const last: LastReview = {
          seq: entry.seq,
          at: entry.time,
          status,
          ...(state ? { state } : {}),
          ...(runId ? { runId } : {}),
        };
        if (status === 'reviewed' || status === 'skipped') windows.set(horizon, openWindow(last));
        else windows.get(horizon)!.last = last;
        return;
      }
      if (BOOKKEEPING.has(entry.type)) return;
      const runId = text(body.run_id) ?? text(body.runId);
      if (runId && reviewRuns.has(runId)) return;
      const ofRun = runId;
      const line =
        entry.type === 'run.finished' ||
        entry.type === 'outcome.recorded' ||
        entry.type === 'decision.recorded'
          ? `${entry.time} ${entry.type} ${JSON.stringify(body).slice(0, 200)}`
          : undefined;
      const message = entry.type === 'coordination.logged' ? 1 : 0;
      const outcome = entry.type === 'outcome.recorded' || entry.type === 'run.finished' ? 1 : 0;
      const run = entry.type === 'run.finished' ? 1 : 0;
      for (const window of windows.values()) {
        const targets = [window.total];
        if (ofRun) {
          let counted = window.byRun.get(ofRun);
          if (!counted) {
            counted = empty();
            window.byRun.set(ofRun, counted);
          }
          targets.push(counted);
        }
        for (const counts of targets) {
          counts.changes += 1;
          counts.messages += message;
          counts.outcomes += outcome;
          counts.runs += run;
        }
        if (line) {
          window.activity.push({
            ...(ofRun ? { runId: ofRun } : {}),
            line,
            finished: entry.type === 'run.finished',
          });
          if (window.activity.length > ACTIVITY_LINES) window.activity.shift();
        }
      }
    },
    window(horizon) {
      const window = windows.get(horizon)!;
      return {
        ...(window.last ? { last: window.last } : {}),
        ...(window.base ? { base: window.base } : {}),
        ...window.total,
        activity: window.activity.map((item) => item.line),
        finished: window.activity.flatMap((item) =>
          item.finished && item.runId ? [item.runId] : [],
        ),
      };
    },
  };
}
