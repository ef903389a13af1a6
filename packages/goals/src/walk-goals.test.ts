import { describe, expect, it } from 'vitest';
import type { GoalsFile } from './goal-schema';
import { findGoal, walkGoals } from './walk-goals';

const goals: GoalsFile = {
  active_goals: [
    {
      id: 'g_subs',
      statement: 'Subscribers',
      owner_role: 'strategist',
      sub_goals: [
        {
          id: 'g_traffic',
          statement: 'Traffic',
          owner_role: 'researcher',
          sub_goals: [{ id: 'g_seo', statement: 'SEO' }],
        },
        { id: 'g_referral', statement: 'Referrals' },
      ],
    },
    { id: 'g_quality', statement: 'Quality' },
  ],
};

describe('walkGoals', () => {
  it('visits parents before children in file order, with depth, path and inherited owner', () => {
    const visits = [...walkGoals(goals)].map((visit) => [
      visit.goal.id,
      visit.depth,
      visit.owner,
      visit.path.join('.'),
      visit.parent?.id,
    ]);
    expect(visits).toEqual([
      ['g_subs', 0, 'strategist', 'active_goals.0', undefined],
      ['g_traffic', 1, 'researcher', 'active_goals.0.sub_goals.0', 'g_subs'],
      ['g_seo', 2, 'researcher', 'active_goals.0.sub_goals.0.sub_goals.0', 'g_traffic'],
      ['g_referral', 1, 'strategist', 'active_goals.0.sub_goals.1', 'g_subs'],
      ['g_quality', 0, undefined, 'active_goals.1', undefined],
    ]);
  });

  it('finds a goal anywhere by id', () => {
    expect(findGoal(goals, 'g_seo')?.ancestors.map((goal) => goal.id)).toEqual([
      'g_subs',
      'g_traffic',
    ]);
    expect(findGoal(goals, 'g_missing')).toBeUndefined();
  });
});
