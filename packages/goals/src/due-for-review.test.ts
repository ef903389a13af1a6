import { createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { dueForReview } from './due-for-review';
import type { GoalsFile } from './goal-schema';

const goals: GoalsFile = {
  active_goals: [
    { id: 'g_subs', statement: '1,000 free subscribers by 2026-08-01' },
    { id: 'g_launch', statement: 'Launch course', deadline: '2026-05-10' },
    { id: 'g_done', statement: 'Old goal by 2026-01-01', status: 'achieved' },
    {
      id: 'g_late',
      statement: 'Redesign by 2026-05-01',
      status: 'blocked',
      blocker: 'owner_decision_pending',
    },
  ],
  review_cadence: { strategic: 'weekly', tactical: 'per_run' },
};

describe('dueForReview', () => {
  const clock = createManualClock('2026-05-06T12:00:00Z');

  it('lists reviews never held and goals whose deadline passed or is near', () => {
    expect(dueForReview(goals, {}, clock)).toEqual([
      {
        scope: 'strategic',
        cadence: 'weekly',
        reason: 'no strategic review has happened yet (cadence weekly)',
      },
      {
        scope: 'goal',
        goalId: 'g_launch',
        kind: 'deadline-near',
        reason: 'goal g_launch is due 2026-05-10, in 4 days',
      },
      {
        scope: 'goal',
        goalId: 'g_late',
        kind: 'deadline-passed',
        reason: 'goal g_late was due 2026-05-01 and is still blocked',
      },
    ]);
  });

  it('makes a weekly review due once a week has passed, and a per-run review after a run', () => {
    const recent = {
      strategic: { lastAt: '2026-04-30T12:00:01Z' },
      tactical: { lastAt: '2026-05-06T11:00:00Z', eventsSince: { run: 0 } },
    };
    expect(
      dueForReview(goals, recent, clock, { deadlineWarningDays: 0 }).filter(
        (item) => item.scope !== 'goal',
      ),
    ).toEqual([]);
    const later = createManualClock('2026-05-07T12:00:01Z');
    const due = dueForReview(goals, { ...recent, tactical: { eventsSince: { run: 2 } } }, later, {
      deadlineWarningDays: 0,
    });
    expect(due.filter((item) => item.scope !== 'goal')).toEqual([
      {
        scope: 'strategic',
        cadence: 'weekly',
        reason: 'the last strategic review was more than 7 days ago (cadence weekly)',
        dueAt: new Date('2026-05-07T12:00:01Z'),
      },
      {
        scope: 'tactical',
        cadence: 'per_run',
        reason: '2 runs since the last tactical review (cadence per_run)',
      },
    ]);
  });

  it('lists open goals not looked at within the strategic interval when goal reviews are tracked', () => {
    const due = dueForReview(
      goals,
      {
        strategic: { lastAt: '2026-05-06T00:00:00Z' },
        goals: { g_subs: '2026-04-01T00:00:00Z', g_launch: '2026-05-05T00:00:00Z' },
      },
      clock,
      {
        deadlineWarningDays: 0,
      },
    );
    expect(due).toEqual([
      {
        scope: 'goal',
        goalId: 'g_subs',
        kind: 'stale',
        reason: 'goal g_subs was last reviewed more than 7 days ago',
      },
      {
        scope: 'goal',
        goalId: 'g_late',
        kind: 'deadline-passed',
        reason: 'goal g_late was due 2026-05-01 and is still blocked',
      },
    ]);
  });

  it('compares deadlines with the calendar date in the given time zone', () => {
    // 23:30 UTC on 1 May is already 2 May in Berlin.
    const lateEvening = createManualClock('2026-05-01T23:30:00Z');
    const only = { active_goals: [{ id: 'g', statement: 'Ship by 2026-05-01' }] };
    expect(dueForReview(only, {}, lateEvening)).toEqual([
      expect.objectContaining({ kind: 'deadline-near' }),
    ]);
    expect(dueForReview(only, {}, lateEvening, { timeZone: 'Europe/Berlin' })).toEqual([
      expect.objectContaining({ kind: 'deadline-passed' }),
    ]);
  });
});
