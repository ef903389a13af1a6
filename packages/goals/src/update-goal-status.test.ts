import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManualClock, ValidationError } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { GoalNotFoundError } from './errors';
import { readGoalHistory } from './goal-history';
import { loadGoals } from './load-goals';
import { updateGoalStatus } from './update-goal-status';
import { validateGoalsDir } from './validate-goals-dir';

const fixture = fileURLToPath(
  new URL('../test/fixtures/spec-group/goals/current.yaml', import.meta.url),
);

async function goalsDir(): Promise<{ dir: string; path: string; original: string }> {
  const dir = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'goals');
  await mkdir(dir);
  const original = await readFile(fixture, 'utf8');
  const path = join(dir, 'current.yaml');
  await writeFile(path, original);
  return { dir, path, original };
}

describe('updateGoalStatus', () => {
  it('edits the status in place, keeps everything else byte for byte, and records the reason', async () => {
    const { dir, path, original } = await goalsDir();
    const clock = createManualClock('2026-05-06T10:00:00Z');
    const result = await updateGoalStatus(
      path,
      'g_subs_referral',
      'active',
      'Owner approved the referral budget',
      {
        clock,
        actor: 'human_owner',
      },
    );
    expect(result).toEqual({
      changed: true,
      change: {
        at: '2026-05-06T10:00:00.000Z',
        goal: 'g_subs_referral',
        from: 'blocked',
        to: 'active',
        reason: 'Owner approved the referral budget',
        actor: 'human_owner',
      },
    });
    const text = await readFile(path, 'utf8');
    expect(text).toBe(
      original.replace(
        '        status: "blocked"\n        blocker: "owner_decision_pending"\n',
        '        status: "active"\n',
      ),
    );
    expect(text).toContain('strategic: "weekly"        # group strategic review');
    const history = await readGoalHistory(join(dir, 'history.jsonl'));
    expect(history.changes).toEqual([result.change]);
    expect(await validateGoalsDir(dir)).toEqual([]);
  });

  it('adds status and blocker next to the goal when blocking it', async () => {
    const { dir, path, original } = await goalsDir();
    await updateGoalStatus(path, 'g_quality', 'blocked', 'Waiting on the traffic work', {
      blocker: 'g_subs_traffic',
    });
    expect(await readFile(path, 'utf8')).toBe(
      original.replace(
        '    owner_role: "critic"\n',
        '    owner_role: "critic"\n    status: blocked\n    blocker: g_subs_traffic\n',
      ),
    );
    const { goals, diagnostics } = await loadGoals(path);
    expect(diagnostics).toEqual([]);
    const quality = goals!.active_goals[1]!;
    expect(quality).toMatchObject({ status: 'blocked', blocker: 'g_subs_traffic' });
    expect(Object.keys(quality)).toEqual([
      'id',
      'statement',
      'metrics',
      'owner_role',
      'status',
      'blocker',
    ]);
    expect((await readGoalHistory(join(dir, 'history.jsonl'))).changes).toEqual([
      expect.objectContaining({
        goal: 'g_quality',
        from: 'active',
        to: 'blocked',
        blocker: 'g_subs_traffic',
      }),
    ]);
  });

  it('changes nothing and records nothing when the status is already set', async () => {
    const { dir, path, original } = await goalsDir();
    expect(await updateGoalStatus(path, 'g_quality', 'active', 'no-op')).toEqual({
      changed: false,
    });
    expect(await readFile(path, 'utf8')).toBe(original);
    expect((await readGoalHistory(join(dir, 'history.jsonl'))).changes).toEqual([]);
  });

  it('refuses unknown goals, missing reasons and blockers that name nothing', async () => {
    const { path, original } = await goalsDir();
    await expect(updateGoalStatus(path, 'g_qualty', 'achieved', 'done')).rejects.toSatisfy(
      (error: unknown) =>
        GoalNotFoundError.isInstance(error) && error.message.includes('did you mean "g_quality"'),
    );
    await expect(updateGoalStatus(path, 'g_quality', 'achieved', '  ')).rejects.toThrow(/reason/);
    await expect(updateGoalStatus(path, 'g_quality', 'blocked', 'stuck')).rejects.toThrow(
      /blocker/,
    );
    await expect(
      updateGoalStatus(path, 'g_quality', 'blocked', 'stuck', { blocker: 'g_nothing' }),
    ).rejects.toThrow(/names no goal/);
    await expect(
      updateGoalStatus(path, 'g_quality', 'blocked', 'stuck', { blocker: 'g_quality' }),
    ).rejects.toThrow(/itself/);
    expect(await readFile(path, 'utf8')).toBe(original);
  });

  it('refuses to edit a file that is not a valid goals file', async () => {
    const { path } = await goalsDir();
    await writeFile(path, 'active_goals: 3\n');
    await expect(updateGoalStatus(path, 'g', 'achieved', 'done')).rejects.toSatisfy(
      ValidationError.isInstance,
    );
  });

  it('never loses an update when several run at once', async () => {
    const { dir, path } = await goalsDir();
    const ids = ['g_subs', 'g_subs_traffic', 'g_subs_referral', 'g_quality'];
    await Promise.all(ids.map((id) => updateGoalStatus(path, id, 'achieved', `finished ${id}`)));
    const { goals } = await loadGoals(path);
    expect([...ids].map((id) => JSON.stringify(goals).includes(`"id":"${id}"`))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const statuses = [
      goals!.active_goals[0]!,
      ...goals!.active_goals[0]!.sub_goals!,
      goals!.active_goals[1]!,
    ].map((goal) => goal.status);
    expect(statuses).toEqual(['achieved', 'achieved', 'achieved', 'achieved']);
    expect(
      (await readGoalHistory(join(dir, 'history.jsonl'))).changes
        .map((change) => change.goal)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it('lets validation notice a status edited by hand against the history', async () => {
    const { dir, path } = await goalsDir();
    await updateGoalStatus(path, 'g_quality', 'achieved', 'Open rate held at 45% for a month');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('status: achieved', 'status: abandoned'));
    expect(await validateGoalsDir(dir, { displayPath: 'grp/goals' })).toEqual([
      expect.objectContaining({
        file: 'grp/goals/current.yaml',
        line: 21,
        code: 'goals/history-mismatch',
        severity: 'warning',
      }),
    ]);
  });
});
