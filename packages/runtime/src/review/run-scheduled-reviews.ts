import { createId } from '@karnel/core';
import type { ClaimedWake } from '../queue/run-queue';
import { abandonRun } from '../run/abandon-run';
import type { RuntimeParts } from '../run/open-runtime-parts';
import type { RunResult } from '../run/run-executor';
import type { LedgerHistory } from '../scheduler/ledger-history';
import type { WakeReason } from '../wake-reason';
import { type ReviewHorizon, STRATEGIC_REVIEW_RECORD } from './review-history';
import { releaseReview, reserveReview, settleReview } from './review-payment';
import {
  REVIEW_NAMES,
  type ReviewOptions,
  reviewedFilesDigest,
  reviewHorizonOf,
} from './review-schedule';
import { reviewSkipReason, strategicReview, strategicReviewRecord } from './strategic-review';

/** Inputs of {@link runScheduledReviews}. */
export interface RunScheduledReviewsInput {
  /** The parts runs are made of (ledger, treasury, models, members). */
  readonly parts: RuntimeParts;
  /** The runtime's ledger history (refreshed here before each decision). */
  readonly history: LedgerHistory;
  /** The claimed wake, whose `review` reasons are carried out here. */
  readonly claim: ClaimedWake;
  /** How reviews are paid for. */
  readonly options?: ReviewOptions;
  /** Aborts a review's model calls (the runtime is stopping). */
  readonly signal?: AbortSignal;
  /** Told of each review run that starts and ends, like any run. */
  readonly onRun?: (
    event:
      | { readonly phase: 'started'; readonly runId: string; readonly horizon: ReviewHorizon }
      | {
          readonly phase: 'finished';
          readonly runId: string;
          readonly horizon: ReviewHorizon;
          readonly result: RunResult;
        },
  ) => void;
}

/** Whether a claimed wake holds work for {@link runScheduledReviews}. */
export function hasReviewWork(claim: ClaimedWake, history: LedgerHistory): boolean {
  return claim.reasons.some(
    (reason) =>
      reviewHorizonOf(reason) !== undefined ||
      (reason.kind === 'interrupted' &&
        reason.runId !== undefined &&
        history.runs.get(reason.runId)?.review === true),
  );
}

/**
 * Carries out the scheduled reviews of a claimed wake (its `review` reasons) as runs like any
 * other, one run per review, and returns the wake with what is left for the member's own run
 * (`undefined` when nothing is). For each review:
 *
 * 1. skipped at zero cost — no reservation, no model call — when nothing changed since the last
 *    one (`reviewSkipReason`: the ledger and a digest of the reviewed files); the skip is a
 *    `review.strategic` record that is never itself a change;
 * 2. otherwise a treasury reservation on the reviewer's tier (`max_cost_per_run`, else
 *    `options.maxCost`), refused like any run when the budget cannot hold it;
 * 3. `run.started` (woken by the `review` reason), `strategicReview` on the reviewer's tier, the
 *    cost settled, `run.finished` with the outcome, then the `review.strategic` record;
 * 4. a failure is recorded (`run.finished` failed, `review.strategic` failed) and its
 *    reservation released, never thrown.
 *
 * A review run cut short by a stop or a crash is not resumed: it is abandoned (its reservation
 * released), and its cadence makes it due again.
 */
export async function runScheduledReviews({
  parts,
  history,
  claim,
  options = {},
  signal,
  onRun = () => undefined,
}: RunScheduledReviewsInput): Promise<ClaimedWake | undefined> {
  const rest: WakeReason[] = [];
  const horizons: { horizon: ReviewHorizon; reason: WakeReason }[] = [];
  for (const reason of claim.reasons) {
    const horizon = reviewHorizonOf(reason);
    if (horizon) {
      if (!horizons.some((known) => known.horizon === horizon)) horizons.push({ horizon, reason });
      continue;
    }
    if (
      reason.kind === 'interrupted' &&
      reason.runId &&
      history.runs.get(reason.runId)?.review === true
    ) {
      await abandonRun(parts, {
        runId: reason.runId,
        member: claim.member,
        why: 'a scheduled review cut short is not resumed; its cadence makes it due again',
      });
      continue;
    }
    rest.push(reason);
  }
  for (const { horizon, reason } of horizons) await runOne(horizon, reason);
  if (rest.length === 0) return undefined;
  const resumeFrom = rest.find((reason) => reason.runId !== undefined)?.runId;
  return {
    ...claim,
    reasons: rest,
    runId: resumeFrom ?? (claim.resume ? createId('run') : claim.runId),
    resume: resumeFrom !== undefined,
  };

  async function runOne(horizon: ReviewHorizon, reason: WakeReason): Promise<void> {
    const { ledger, treasury } = parts;
    const reviewer = claim.member;
    const name = `${horizon} ${REVIEW_NAMES[horizon]}`;
    await history.refresh();
    const window = history.reviews.window(horizon);
    const state = await reviewedFilesDigest(parts.dir);
    const skipped = reviewSkipReason(window, state);
    if (skipped !== undefined) {
      await ledger.append({
        type: STRATEGIC_REVIEW_RECORD,
        body: { horizon, status: 'skipped', reviewer, reason: skipped, state },
      });
      return;
    }
    const member = parts.members.get(reviewer);
    const tier = member?.tier ?? 'frontier-reasoning';
    const maxCost =
      member?.maxCostPerRun !== undefined
        ? String(member.maxCostPerRun)
        : (options.maxCost ?? '1.00');
    const runId = createId('run');
    const reservation = await reserveReview(treasury, {
      maxCost,
      tier,
      purpose: `run ${runId} of ${reviewer} (${name})`,
    });
    if (reservation.refused !== undefined) {
      await ledger.append({
        type: STRATEGIC_REVIEW_RECORD,
        body: {
          horizon,
          status: 'refused',
          reviewer,
          reason: `the treasury refused the review: ${reservation.refused}`,
        },
      });
      return;
    }
    await ledger.startRun({
      runId,
      manifest: {
        runId,
        member: reviewer,
        reasons: [reason],
        resumed: false,
        tier,
        ...(reservation.id ? { reservationId: reservation.id } : {}),
      },
    });
    onRun({ phase: 'started', runId, horizon });
    let result: RunResult;
    try {
      const model = await parts.models({ member: reviewer, tier, runId });
      const review = await strategicReview({
        dir: parts.dir,
        ledger,
        model,
        reviewer,
        horizon,
        clock: parts.clock,
        window,
        runId,
        record: false,
        gate: parts.policy,
        ...(signal ? { signal } : {}),
      });
      const cost = await settleReview(treasury, reservation.id, review.cost, {
        run: runId,
        description: `${name} run ${runId}`,
      });
      const summary =
        review.status === 'skipped'
          ? `skipped: ${review.skipped}`
          : `goals changed: ${review.goals.length}, strategic memory updates: ${review.memoryUpdates}, roster proposals: ${review.proposals.length}`;
      await ledger.finishRun(runId, {
        runId,
        member: reviewer,
        status: 'succeeded',
        cost,
        steps: review.steps,
        summary,
      });
      await ledger.append({
        type: STRATEGIC_REVIEW_RECORD,
        body: strategicReviewRecord(review, { horizon, reviewer, runId }),
      });
      result = { status: 'succeeded', cost, steps: review.steps };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await releaseReview(treasury, reservation.id, `${name} run ${runId} failed`);
      await ledger.finishRun(runId, {
        runId,
        member: reviewer,
        status: 'failed',
        cost: '0',
        steps: 0,
        error: message,
      });
      await ledger.append({
        type: STRATEGIC_REVIEW_RECORD,
        body: { horizon, status: 'failed', reviewer, runId, reason: message },
      });
      result = { status: 'failed', cost: '0', steps: 0, error: message };
    }
    onRun({ phase: 'finished', runId, horizon, result });
  }
}
