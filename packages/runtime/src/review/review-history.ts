import type { LedgerEntry } from '@karnel/ledger';

/** The scheduled reviews: the weekly strategic review and the monthly meta-review. */
export const REVIEW_HORIZONS = ['weekly', 'monthly'] as const;

/** One of {@link REVIEW_HORIZONS}. */
export type ReviewHorizon = (typeof REVIEW_HORIZONS)[number];

/** The ledger record a scheduled review leaves (reviewed, skipped, refused or failed). */
export const STRATEGIC_REVIEW_RECORD = 'review.strategic';

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
}

interface Counts {
  changes: number;
  messages: number;
  outcomes: number;
  runs: number;
  activity: string[];
}

interface OpenWindow {
  last?: LastReview;
  base?: LastReview;
  other: Counts;
  /** Counts of entries that belong to a run, by run id: dropped when the run turns out to be a review. */
  byRun: Map<string, Counts>;
}

const empty = (): Counts => ({ changes: 0, messages: 0, outcomes: 0, runs: 0, activity: [] });

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isHorizon(value: unknown): value is ReviewHorizon {
  return value === 'weekly' || value === 'monthly';
}

/** Creates an empty {@link ReviewHistory}; feed it every ledger entry in order. */
export function createReviewHistory(): ReviewHistory {
  const windows = new Map<ReviewHorizon, OpenWindow>(
    REVIEW_HORIZONS.map((horizon) => [horizon, { other: empty(), byRun: new Map() }]),
  );
  const reviewRuns = new Set<string>();
  return {
    observe(entry) {
      const body = entry.body;
      if (entry.type === STRATEGIC_REVIEW_RECORD) {
        const runId = text(body.runId);
        if (runId) {
          reviewRuns.add(runId);
          for (const window of windows.values()) window.byRun.delete(runId);
        }
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
        if (status === 'reviewed' || status === 'skipped')
          windows.set(horizon, { last, base: last, other: empty(), byRun: new Map() });
        else windows.get(horizon)!.last = last;
        return;
      }
      if (BOOKKEEPING.has(entry.type)) return;
      const runId = text(body.run_id) ?? text(body.runId);
      if (runId && reviewRuns.has(runId)) return;
      const activity =
        entry.type === 'run.finished' ||
        entry.type === 'outcome.recorded' ||
        entry.type === 'decision.recorded'
          ? `${entry.time} ${entry.type} ${JSON.stringify(body).slice(0, 200)}`
          : undefined;
      for (const window of windows.values()) {
        let counts = window.other;
        if (runId && entry.type.startsWith('run.')) {
          counts = window.byRun.get(runId) ?? empty();
          window.byRun.set(runId, counts);
        }
        counts.changes += 1;
        if (entry.type === 'coordination.logged') counts.messages += 1;
        if (entry.type === 'outcome.recorded' || entry.type === 'run.finished')
          counts.outcomes += 1;
        if (entry.type === 'run.finished') counts.runs += 1;
        if (activity) {
          counts.activity.push(activity);
          if (counts.activity.length > 100) counts.activity.shift();
        }
      }
    },
    window(horizon) {
      const window = windows.get(horizon)!;
      const total = empty();
      for (const counts of [window.other, ...window.byRun.values()]) {
        total.changes += counts.changes;
        total.messages += counts.messages;
        total.outcomes += counts.outcomes;
        total.runs += counts.runs;
        total.activity.push(...counts.activity);
      }
      total.activity.sort();
      return {
        ...(window.last ? { last: window.last } : {}),
        ...(window.base ? { base: window.base } : {}),
        changes: total.changes,
        messages: total.messages,
        outcomes: total.outcomes,
        runs: total.runs,
        activity: total.activity.slice(-100),
      };
    },
  };
}
