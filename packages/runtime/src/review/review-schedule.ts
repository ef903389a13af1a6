import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileInside, sha256Hex } from '@karnel/core';
import { cadenceInterval, type ReviewCadence } from '@karnel/goals';
import { resolveComponent } from '@karnel/manifest';
import type { GroupSnapshot } from '../scheduler/group-snapshot';
import type { WakeReason } from '../wake-reason';
import { REVIEW_HORIZONS, type ReviewHistory, type ReviewHorizon } from './review-history';

/** How the runtime schedules and pays for reviews (`createRuntime({ reviews })`). */
export interface ReviewOptions {
  /**
   * The role that runs the scheduled reviews. Default: `strategist`, when the group has a native
   * member with that role; without a reviewer no review is scheduled.
   */
  readonly reviewer?: string;
  /**
   * The cadence of the weekly strategic review. Default: the goals file's
   * `review_cadence.strategic`, else `weekly`. `false`: never scheduled.
   */
  readonly strategic?: ReviewCadence | false;
  /** The cadence of the monthly meta-review. Default `monthly`. `false`: never scheduled. */
  readonly meta?: ReviewCadence | false;
  /**
   * The most a scheduled review may cost, an exact decimal, when the reviewer's contract has no
   * `max_cost_per_run` (which wins). Default `"1.00"`.
   */
  readonly maxCost?: string;
  /**
   * The per-run review after a run that touched skills or memory. `false`: none. Default: on,
   * on the `bulk-cheap` tier, at most `"0.10"` a review.
   */
  readonly perRun?:
    | false
    | {
        /** The most one per-run review may cost, an exact decimal. Default `"0.10"`. */
        readonly maxCost?: string;
      };
}

/** Who reviews and when, as {@link reviewScheduleOf} reads it from the group directory. */
export interface ReviewSchedule {
  /** The reviewing role. */
  readonly reviewer: string;
  /** The cadence of each scheduled review; absent: never scheduled. */
  readonly cadences: Readonly<Partial<Record<ReviewHorizon, ReviewCadence>>>;
}

/** The name of each scheduled review, for details and prompts. */
export const REVIEW_NAMES: Readonly<Record<ReviewHorizon, string>> = {
  weekly: 'strategic review',
  monthly: 'meta-review',
};

/**
 * Reads who runs the scheduled reviews and on which cadences: the reviewer (the option, else a
 * native `strategist`), the strategic review's cadence from `goals/current.yaml`
 * (`review_cadence.strategic`, spec goals.md §5; `weekly` when the file has none) and the
 * meta-review's (`monthly`). `undefined` when the group has no reviewer who can run.
 */
export function reviewScheduleOf(
  snapshot: GroupSnapshot,
  options: ReviewOptions = {},
): ReviewSchedule | undefined {
  const reviewer = options.reviewer ?? 'strategist';
  const member = snapshot.members.find((candidate) => candidate.role === reviewer);
  if (member?.kind !== 'karnel-native') return undefined;
  const strategic =
    options.strategic === false
      ? undefined
      : (options.strategic ?? snapshot.goals?.review_cadence?.strategic ?? 'weekly');
  const meta = options.meta === false ? undefined : (options.meta ?? 'monthly');
  return {
    reviewer,
    cadences: {
      ...(strategic ? { weekly: strategic } : {}),
      ...(meta ? { monthly: meta } : {}),
    },
  };
}

/** How long after a refused or failed attempt a review is tried again, at the latest. */
const RETRY_MS = 24 * 3_600_000;

/** Whether `reason` asks for a scheduled review, and which. */
export function reviewHorizonOf(reason: WakeReason): ReviewHorizon | undefined {
  if (reason.kind !== 'review') return undefined;
  const horizon = reason.ref?.slice('review:'.length);
  return REVIEW_HORIZONS.find((known) => known === horizon);
}

/**
 * The scheduled reviews due now, as wake reasons of the reviewer (`kind: review`, `ref:
 * review:weekly` or `review:monthly`), decided from the ledger alone. A clock cadence is due
 * when its interval has passed since the last review (reviewed or skipped) or there has been
 * none; `per_run` when a run finished since the last review. A refused or failed attempt is tried
 * again after its interval or a day, whichever is shorter. Other event cadences
 * (`per_publication`, `on_escalation`, `on_demand`) are never scheduled by the clock.
 */
export function dueReviewReasons(
  schedule: ReviewSchedule,
  history: ReviewHistory,
  now: Date,
): WakeReason[] {
  const reasons: WakeReason[] = [];
  for (const horizon of REVIEW_HORIZONS) {
    const cadence = schedule.cadences[horizon];
    if (!cadence) continue;
    const window = history.window(horizon);
    const interval = cadenceInterval(cadence);
    const name = `${horizon} ${REVIEW_NAMES[horizon]}`;
    let detail: string | undefined;
    const last = window.last;
    // A refused or failed attempt is tried again after a day at the latest.
    const unsuccessful = last !== undefined && last.seq !== window.base?.seq;
    const since = last ? now.getTime() - Date.parse(last.at) : Number.POSITIVE_INFINITY;
    if (interval !== undefined) {
      if (!last) detail = `${name} (cadence ${cadence}), none yet`;
      else if (since >= (unsuccessful ? Math.min(interval, RETRY_MS) : interval))
        detail = `${name} (cadence ${cadence}), last ${last.at} (${last.status})`;
    } else if (cadence === 'per_run' && window.runs > 0 && (!unsuccessful || since >= RETRY_MS)) {
      detail = `${name} (cadence per_run), ${window.runs} run(s) since the last one`;
    }
    if (detail)
      reasons.push({ kind: 'review', detail, ref: `review:${horizon}`, at: now.toISOString() });
  }
  return reasons;
}

/**
 * When the next scheduled review on a clock cadence falls due, and which (`weekly strategic
 * review`), for a status page; `undefined` when none is on a clock or one is due now.
 */
export function nextReviewAt(
  schedule: ReviewSchedule,
  history: ReviewHistory,
):
  | {
      /** When the next scheduled review falls due. */
      readonly at: Date;
      /** Which review, and its cadence. */
      readonly why: string;
    }
  | undefined {
  let next: { at: Date; why: string } | undefined;
  for (const horizon of REVIEW_HORIZONS) {
    const cadence = schedule.cadences[horizon];
    const interval = cadence ? cadenceInterval(cadence) : undefined;
    const window = history.window(horizon);
    if (interval === undefined || !window.last) continue;
    const wait = window.last.seq === window.base?.seq ? interval : Math.min(interval, RETRY_MS);
    const at = new Date(Date.parse(window.last.at) + wait);
    if (!next || at < next.at) next = { at, why: `${horizon} ${REVIEW_NAMES[horizon]}` };
  }
  return next;
}

/**
 * A digest of the files a scheduled review reads and writes: the manifest, the goals file,
 * the group's strategic memory, `policy.yaml` and the treasury's files (a missing file counts
 * as such). Recorded with each review, so the next one can tell from the directory alone —
 * no model call — whether anything was edited since.
 */
export async function reviewedFilesDigest(dir: string): Promise<string> {
  const paths = [join(dir, 'manifest.yaml'), join(dir, 'policy.yaml')];
  const goals = await resolveComponent(dir, 'goals');
  if (goals.ok) paths.push(join(goals.path, 'current.yaml'));
  const memory = await resolveComponent(dir, 'memory');
  if (memory.ok) paths.push(join(memory.path, 'strategic.yaml'));
  const treasury = await resolveComponent(dir, 'treasury');
  if (treasury.ok) {
    const names = await readdir(treasury.path).catch(() => [] as string[]);
    for (const name of names.sort())
      if (name.endsWith('.yaml')) paths.push(join(treasury.path, name));
  }
  const parts: string[] = [];
  for (const path of paths) {
    // A file a symlink leads out of the group counts as unreadable: its content is not hashed.
    const bytes = await readFileInside(dir, path).catch(() => undefined);
    parts.push(`${path.slice(dir.length)}:${bytes ? sha256Hex(bytes) : '-'}`);
  }
  return sha256Hex(parts.join('\n'));
}
