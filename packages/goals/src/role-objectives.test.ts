import { describe, expect, it } from 'vitest';
import type { GoalsFile } from './goal-schema';
import { deriveRoleObjectives, effectiveGoals } from './role-objectives';

const group: GoalsFile = {
  mission: 'Operate a profitable newsletter business in AI infrastructure.',
  active_goals: [
    {
      id: 'g_subs',
      statement: '1,000 free subscribers by 2026-08-01',
      owner_role: 'strategist',
      sub_goals: [
        {
          id: 'g_subs_traffic',
          statement: '5K weekly visitors via SEO',
          owner_role: 'researcher',
          sub_goals: [
            { id: 'g_keywords', statement: 'Keyword map' },
            { id: 'g_guest_posts', statement: 'Guest posts', owner_role: 'writer' },
          ],
        },
        {
          id: 'g_subs_referral',
          statement: 'Implement referral mechanism',
          status: 'blocked',
          blocker: 'owner_decision_pending',
        },
        { id: 'g_old', statement: 'Old channel', owner_role: 'researcher', status: 'abandoned' },
      ],
    },
    { id: 'g_quality', statement: 'Maintain >40% open rate', owner_role: 'critic' },
  ],
  review_cadence: { strategic: 'weekly', tactical: 'per_run' },
};

describe('deriveRoleObjectives', () => {
  it("gives a role the goals it owns, with what they support, and the group's mission", () => {
    expect(deriveRoleObjectives(group, 'researcher')).toEqual({
      mission: group.mission,
      active_goals: [
        {
          id: 'g_subs_traffic',
          statement: '5K weekly visitors via SEO',
          owner_role: 'researcher',
          supports: 'g_subs',
          sub_goals: [{ id: 'g_keywords', statement: 'Keyword map' }],
        },
      ],
      review_cadence: { strategic: 'weekly', tactical: 'per_run' },
    });
  });

  it('promotes a goal owned below someone else, and inherits owners downwards', () => {
    expect(deriveRoleObjectives(group, 'writer').active_goals).toEqual([
      {
        id: 'g_guest_posts',
        statement: 'Guest posts',
        owner_role: 'writer',
        supports: 'g_subs_traffic',
      },
    ]);
    const strategist = deriveRoleObjectives(group, 'strategist').active_goals;
    expect(strategist.map((goal) => goal.id)).toEqual(['g_subs']);
    expect(strategist[0]!.sub_goals?.map((goal) => goal.id)).toEqual(['g_subs_referral']);
    expect(strategist[0]!.supports).toBeUndefined();
  });

  it('leaves closed goals out unless asked', () => {
    expect(
      deriveRoleObjectives(group, 'researcher', { includeClosed: true }).active_goals.map(
        (goal) => goal.id,
      ),
    ).toEqual(['g_subs_traffic', 'g_old']);
    expect(deriveRoleObjectives(group, 'human_owner').active_goals).toEqual([]);
  });
});

describe('effectiveGoals', () => {
  it("lets the group's goals supersede a member's own, keeping refinements of the role's objectives", () => {
    const member: GoalsFile = {
      active_goals: [
        { id: 'm_backlinks', statement: 'Earn 20 backlinks', supports: 'g_subs_traffic' },
        { id: 'm_hobby', statement: 'Write a novel' },
        { id: 'm_other', statement: 'Help the critic', supports: 'g_quality' },
      ],
    };
    const result = effectiveGoals({ group, member, role: 'researcher' });
    expect(result.source).toBe('group');
    expect(result.goals.active_goals.map((goal) => goal.id)).toEqual([
      'g_subs_traffic',
      'm_backlinks',
    ]);
    expect(result.superseded).toEqual(['m_hobby', 'm_other']);
  });

  it("keeps a standalone agent's own goals", () => {
    const member: GoalsFile = { active_goals: [{ id: 'g_solo', statement: 'Solo' }] };
    expect(effectiveGoals({ member, role: 'writer' })).toEqual({
      goals: member,
      source: 'member',
      superseded: [],
    });
  });
});
