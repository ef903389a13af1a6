import { dueForReview, walkGoals } from '@karnel/goals';
import { nextCadenceTime } from '@karnel/manifest';
import { dueReviewReasons, nextReviewAt, type ReviewSchedule } from '../review/review-schedule';
import type { WakeReason } from '../wake-reason';
import type { GroupSnapshot } from './group-snapshot';
import type { LedgerHistory } from './ledger-history';

/** What the tick decided for one member. */
export interface DueWake {
  /** The member's role. */
  readonly member: string;
  /** Whether the group is in safe mode: nothing is dispatched until the owner lifts it. */
  readonly safeMode: boolean;
  /**
   * Why nothing is dispatched for this member even when due, besides safe mode and a pause: the
   * group's lifecycle (`group paused`, `group dissolved`, `group handed-off`) or the member having
   * left the group.
   */
  readonly heldBy?: string;
  /** Why it is due now, oldest first; empty when nothing is due. */
  readonly reasons: readonly WakeReason[];
  /** Whether the member is paused (its reasons wait until the owner resumes it). */
  readonly paused: boolean;
  /** Why it is paused. */
  readonly pausedWhy?: string;
  /** When its cadence is next due, if on a clock and not due now. */
  readonly nextWakeAt?: Date;
  /** One line: what the next clock wake is (`cadence daily`). */
  readonly nextWakeWhy?: string;
}

/** What the runtime itself has dispatched to a member, which the ledger may not show yet. */
export interface Dispatched {
  /** The refs of the reasons handed to the member's runs. */
  readonly refs: ReadonlySet<string>;
  /** When the last of those runs was dispatched. */
  readonly at: Date;
}

/** Inputs of {@link computeDueWakes}. */
export interface ComputeDueWakesInput {
  /** The group directory's members. */
  readonly snapshot: GroupSnapshot;
  /** The ledger, folded. */
  readonly history: LedgerHistory;
  /** Now. */
  readonly now: Date;
  /** When the runtime started: cron cadences of members that never ran and have no `joined_at` count from here. */
  readonly startedAt: Date;
  /** Runs this runtime is executing now (not interrupted). */
  readonly active?: ReadonlySet<string>;
  /** Runs dispatched by this runtime whose `run.started` may not be in the ledger yet, by member. */
  readonly dispatched?: ReadonlyMap<string, Dispatched>;
  /** Message ids a human has replied to (their `inbox/<role>/<id>.reply.json` exists). */
  readonly replied?: ReadonlySet<string>;
  /** Who runs the scheduled reviews and when; none are scheduled without it. */
  readonly reviews?: ReviewSchedule;
}

/**
 * The tick: decides from the group directory and the ledger alone — zero model calls — which
 * members are due and why: cadences on the clock, messages and escalations addressed to them
 * since their last run (never their own), manual wakes, approvals and human replies that a
 * parked run waits on, runs cut short by a stop or a crash, and the scheduled reviews of the
 * group's reviewer. Humans are never woken.
 */
export function computeDueWakes({
  snapshot,
  history,
  now,
  startedAt,
  active = new Set(),
  dispatched = new Map(),
  replied = new Set(),
  reviews,
}: ComputeDueWakesInput): DueWake[] {
  const result: DueWake[] = [];
  const at = now.toISOString();
  const goalsDue = goalsNeedingAttention(snapshot, now);
  for (const schedule of snapshot.members) {
    if (schedule.kind === 'human') continue;
    const memberHistory = history.members.get(schedule.role);
    const mine = dispatched.get(schedule.role);
    const reasons: WakeReason[] = [];
    for (const run of history.runs.values()) {
      if (run.member !== schedule.role) continue;
      if (run.state === 'running' && !active.has(run.runId)) {
        reasons.push({
          kind: 'interrupted',
          detail: `run ${run.runId} was cut short after ${run.steps} steps`,
          ref: run.runId,
          runId: run.runId,
          at: run.startedAt,
        });
      } else if (run.state === 'parked' && run.waitingOn !== undefined && !active.has(run.runId)) {
        // Parked by a stopping runtime, or by safe mode that has since been lifted: resume.
        if (
          run.waitingOn === 'runtime-stop' ||
          (run.waitingOn === 'safe-mode' && !history.safeMode)
        ) {
          reasons.push({
            kind: 'interrupted',
            detail: `run ${run.runId} was parked (${run.waitingOn}) after ${run.steps} steps`,
            ref: run.runId,
            runId: run.runId,
            at: run.endedAt ?? run.startedAt,
          });
          continue;
        }
        const answer = history.approvals.get(run.waitingOn);
        if (answer && answer.seq > (run.parkedSeq ?? -1)) {
          reasons.push({
            kind: 'approval-answered',
            detail: `approval ${run.waitingOn} ${answer.answer}`,
            ref: run.waitingOn,
            runId: run.runId,
            at: answer.at,
          });
        } else if (replied.has(run.waitingOn)) {
          reasons.push({
            kind: 'human-reply',
            detail: `reply to ${run.waitingOn}`,
            ref: run.waitingOn,
            runId: run.runId,
            at,
          });
        }
      }
    }
    for (const item of memberHistory?.pending ?? []) {
      if (mine?.refs.has(item.ref)) continue;
      reasons.push({
        kind: item.kind,
        detail: item.detail,
        ref: item.ref,
        at: item.at,
        ...(item.from !== undefined ? { from: item.from } : {}),
      });
    }
    // A goal whose deadline passed or is near wakes its owner, at most once a day.
    const lastLook = latest(
      memberHistory?.lastAttemptAt ? new Date(memberHistory.lastAttemptAt) : undefined,
      mine?.at,
    );
    if (!lastLook || now.getTime() - lastLook.getTime() >= GOAL_ATTENTION_INTERVAL_MS) {
      for (const goal of goalsDue.get(schedule.role) ?? [])
        reasons.push({ kind: 'goal-review', detail: goal.reason, ref: `goal:${goal.id}`, at });
    }
    if (reviews?.reviewer === schedule.role)
      reasons.push(...dueReviewReasons(reviews, history.reviews, now));
    let nextWakeAt: Date | undefined;
    let nextWakeWhy: string | undefined;
    if (schedule.cadence) {
      const lastAttempt = latest(
        memberHistory?.lastAttemptAt ? new Date(memberHistory.lastAttemptAt) : undefined,
        mine?.at,
      );
      const hasClockPart = schedule.cadence.parts.some((part) => part.kind === 'cron');
      const since = lastAttempt ?? schedule.joinedAt ?? (hasClockPart ? startedAt : undefined);
      const next = nextCadenceTime(schedule.cadence, since);
      if (next !== undefined) {
        const why = `cadence ${schedule.cadence.text}, ${lastAttempt ? `last run ${lastAttempt.toISOString()}` : 'never run'}`;
        if (next.getTime() <= now.getTime()) {
          reasons.push({ kind: 'cadence', detail: why, ref: 'cadence', at });
        } else {
          nextWakeAt = next;
          nextWakeWhy = `cadence ${schedule.cadence.text}`;
        }
      }
    }
    if (reviews?.reviewer === schedule.role) {
      const review = nextReviewAt(reviews, history.reviews);
      if (review && review.at > now && (!nextWakeAt || review.at < nextWakeAt)) {
        nextWakeAt = review.at;
        nextWakeWhy = review.why;
      }
    }
    result.push({
      member: schedule.role,
      safeMode: history.safeMode,
      reasons,
      paused: memberHistory?.paused ?? false,
      ...(memberHistory?.pausedWhy ? { pausedWhy: memberHistory.pausedWhy } : {}),
      ...(nextWakeAt ? { nextWakeAt, nextWakeWhy } : {}),
    });
  }
  return result;
}

function latest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

/** How often a goal that needs attention wakes its owner again. */
const GOAL_ATTENTION_INTERVAL_MS = 24 * 3_600_000;

/** Open goals whose deadline passed or is near, by the role that owns them. */
function goalsNeedingAttention(
  snapshot: GroupSnapshot,
  now: Date,
): Map<string, { id: string; reason: string }[]> {
  const byRole = new Map<string, { id: string; reason: string }[]>();
  if (!snapshot.goals) return byRole;
  const owners = new Map<string, string>();
  for (const visit of walkGoals(snapshot.goals))
    if (visit.owner) owners.set(visit.goal.id, visit.owner);
  for (const due of dueForReview(snapshot.goals, {}, { now: () => now })) {
    if (due.scope !== 'goal' || due.kind === 'stale') continue;
    const owner = owners.get(due.goalId);
    if (!owner) continue;
    const list = byRole.get(owner) ?? [];
    list.push({ id: due.goalId, reason: due.reason });
    byRole.set(owner, list);
  }
  return byRole;
}
