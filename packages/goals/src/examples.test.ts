import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dueForReview } from './due-for-review';
import { loadGoals } from './load-goals';
import { rollUpProgress } from './progress';
import { deriveRoleObjectives } from './role-objectives';
import { validateGoalsDir } from './validate-goals-dir';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));

async function roles(group: string): Promise<string[]> {
  const manifest = parse(await readFile(`${examples}${group}/manifest.yaml`, 'utf8')) as {
    members: { role: string }[];
  };
  return manifest.members.map((member) => member.role);
}

describe('the example groups', () => {
  for (const group of ['newsletter-co', 'oss-maintainers']) {
    it(`${group}: goals validate against the group's roles`, async () => {
      expect(
        await validateGoalsDir(`${examples}${group}/goals`, { roles: await roles(group) }),
      ).toEqual([]);
    });
  }

  it('newsletter-co: progress, reviews and role objectives come out of its goal tree', async () => {
    const { goals } = await loadGoals(`${examples}newsletter-co/goals/current.yaml`, {
      roles: await roles('newsletter-co'),
    });
    expect(goals).toBeDefined();
    const progress = rollUpProgress(goals!);
    expect(progress.get('g_subs')).toEqual({ id: 'g_subs', progress: 0.112, source: 'metrics' });
    expect(progress.get('g_quality')).toEqual({ id: 'g_quality', progress: 1, source: 'metrics' });
    const due = dueForReview(
      goals!,
      { strategic: { lastAt: '2026-07-27T09:00:00Z' } },
      createManualClock('2026-07-28T09:00:00Z'),
    );
    expect(due).toEqual([
      {
        scope: 'goal',
        goalId: 'g_subs',
        kind: 'deadline-near',
        reason: 'goal g_subs is due 2026-08-01, in 4 days',
      },
    ]);
    expect(
      deriveRoleObjectives(goals!, 'researcher').active_goals.map((goal) => [
        goal.id,
        goal.supports,
      ]),
    ).toEqual([['g_subs_traffic', 'g_subs']]);
  });
});
