import { join } from 'node:path';
import { cadenceInterval, type ReviewCadence } from '@karnel/goals';
import type { RuntimeParts } from '../run/open-runtime-parts';
import type { RunResult } from '../run/run-executor';
import { releaseReview, reserveReview, settleReview } from './review-payment';
import { REVIEW_RECORD_TYPES, type RunReview, reviewRun } from './review-run';
import type { ReviewOptions } from './review-schedule';
import { readRunTouches } from './run-touches';

/** The tier per-run reviews think on: cheap. */
export const PER_RUN_REVIEW_TIER = 'bulk-cheap';

/** Inputs of {@link reviewAfterRun}. */
export interface ReviewAfterRunInput {
  /** The parts runs are made of (ledger, treasury, models, members, memory). */
  readonly parts: RuntimeParts;
  /** The run that ended. */
  readonly runId: string;
  /** Its member. */
  readonly member: string;
  /** How it ended: only a succeeded run is reviewed. */
  readonly result: RunResult;
  /** `reviews.perRun` of the runtime's options. */
  readonly options?: ReviewOptions['perRun'];
  /** Aborts the review's model calls (the runtime is stopping). */
  readonly signal?: AbortSignal;
  /**
   * The goals file's `review_cadence.tactical` (spec goals.md §5) and when this member's work
   * was last reviewed. `per_run` (the default) reviews after every run that touched skills or
   * memory; a clock cadence (`daily` …) at most once per interval per member; an event cadence
   * other than `per_run` (`per_publication`, `on_escalation`, `on_demand`) never after a run.
   */
  readonly tactical?: {
    /** The cadence; absent means `per_run`. */
    readonly cadence?: ReviewCadence;
    /** When a per-run review of this member last ran (ISO 8601). */
    readonly lastReviewAt?: string;
  };
}

/** Whether the tactical cadence lets a review run now (see {@link ReviewAfterRunInput.tactical}). */
export function tacticalReviewDue(tactical: ReviewAfterRunInput['tactical'], now: Date): boolean {
  const cadence = tactical?.cadence ?? 'per_run';
  if (cadence === 'per_run') return true;
  const interval = cadenceInterval(cadence);
  if (interval === undefined) return false;
  const last = tactical?.lastReviewAt;
  return last === undefined || now.getTime() - Date.parse(last) >= interval;
}

/**
 * The per-run review the runtime runs after a run (spec Layer 4), never blocking or failing the
 * run it reviews: only after a native member's run that succeeded and — as its ledger records
 * show (`readRunTouches`) — used a skill or touched memory; a run that touched neither costs
 * nothing (no model call, no record), and so does one the goals file's tactical cadence does not
 * allow yet (`review_cadence.tactical`: `per_run` by default). The review thinks on the `bulk-cheap` tier, with only
 * skill and memory tools (`reviewRun`: author or improve a skill with provenance, condense
 * episodes into semantic memory), within its own budget line: a treasury reservation on that
 * tier, settled after. A refusal or a failure is recorded (`review.finished` with its status),
 * never thrown.
 *
 * @returns what the review did, or `undefined` when it did not run.
 */
export async function reviewAfterRun({
  parts,
  runId,
  member: role,
  result,
  options,
  signal,
  tactical,
}: ReviewAfterRunInput): Promise<RunReview | undefined> {
  if (options === false || result.status !== 'succeeded') return undefined;
  if (!tacticalReviewDue(tactical, parts.clock.now())) return undefined;
  const member = parts.members.get(role);
  if (member?.kind !== 'karnel-native' || !member.agentDir) return undefined;
  const { ledger, treasury } = parts;
  let reservationId: string | undefined;
  try {
    const touches = await readRunTouches(ledger.dir, runId);
    if (touches.skills.size === 0 && !touches.memory) return undefined;
    const reservation = await reserveReview(treasury, {
      maxCost: options?.maxCost ?? '0.10',
      tier: PER_RUN_REVIEW_TIER,
      purpose: `run ${runId} of ${role} (per-run review)`,
    });
    if (reservation.refused !== undefined) {
      await ledger.append({
        type: REVIEW_RECORD_TYPES.reviewed,
        body: {
          runId,
          status: 'refused',
          reason: `the treasury refused the review: ${reservation.refused}`,
        },
      });
      return undefined;
    }
    reservationId = reservation.id;
    const model = await parts.models({ member: role, tier: PER_RUN_REVIEW_TIER, runId });
    const review = await reviewRun({
      runId,
      member: role,
      touches,
      skillsDir: member.skillsDir ?? join(member.agentDir, 'skills'),
      ledger,
      model,
      summary: `${role}'s run ${runId} succeeded in ${result.steps} steps, costing ${result.cost}.`,
      memory: parts.memoryOf(role),
      clock: parts.clock,
      root: parts.dir,
      ...(signal ? { signal } : {}),
    });
    await settleReview(treasury, reservationId, review.cost, {
      run: runId,
      description: `per-run review of run ${runId}`,
    });
    return review;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    try {
      await releaseReview(treasury, reservationId, `the per-run review of run ${runId} failed`);
      await ledger.append({
        type: REVIEW_RECORD_TYPES.reviewed,
        body: { runId, status: 'failed', error: message },
      });
    } catch {
      // The ledger or treasury is gone (the runtime is closing): nothing more can be recorded.
    }
    return undefined;
  }
}
