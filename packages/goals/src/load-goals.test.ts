import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadGoals } from './load-goals';

// The goal tree of the format's own example (section 2.5), verbatim.
const specGoals = await readFile(
  fileURLToPath(new URL('../test/fixtures/spec-group/goals/current.yaml', import.meta.url)),
  'utf8',
);

const roles = ['strategist', 'researcher', 'writer', 'critic', 'human_owner'];

async function goalsFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
  const path = join(dir, 'current.yaml');
  await writeFile(path, text);
  return path;
}

describe('loadGoals', () => {
  it("accepts the format's own example", async () => {
    const { goals, diagnostics } = await loadGoals(await goalsFile(specGoals), { roles });
    expect(diagnostics).toEqual([]);
    expect(goals?.active_goals.map((goal) => goal.id)).toEqual(['g_subs', 'g_quality']);
    expect(goals?.active_goals[0]?.sub_goals?.[1]).toMatchObject({
      status: 'blocked',
      blocker: 'owner_decision_pending',
    });
    expect(goals?.review_cadence).toEqual({ strategic: 'weekly', tactical: 'per_run' });
  });

  it('reports a sub-goal owned by no member at its owner_role, with a suggestion', async () => {
    const path = await goalsFile(
      specGoals.replace('owner_role: "researcher"', 'owner_role: "reseacher"'),
    );
    const { goals, diagnostics } = await loadGoals(path, {
      roles,
      displayPath: 'grp/goals/current.yaml',
    });
    expect(goals).toBeUndefined();
    expect(diagnostics).toEqual([
      {
        file: 'grp/goals/current.yaml',
        line: 10,
        column: 21,
        code: 'goals/unknown-owner-role',
        severity: 'error',
        message:
          'goal g_subs_traffic is owned by "reseacher", which is not a member role (roles: strategist, researcher, writer, critic, human_owner)',
        hint: 'did you mean "researcher"?',
      },
    ]);
  });

  it('reports duplicate ids across levels, and blocked goals without a blocker', async () => {
    const text = specGoals
      .replace('id: "g_subs_traffic"', 'id: "g_quality"')
      .replace('        blocker: "owner_decision_pending"\n', '');
    const { diagnostics } = await loadGoals(await goalsFile(text), { roles });
    expect(
      diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code, diagnostic.message]),
    ).toEqual([
      [14, 'goals/missing-blocker', expect.stringContaining('g_subs_referral is blocked')],
      [
        16,
        'goals/duplicate-id',
        'goal id "g_quality" is already used (line 8); ids are unique across the tree',
      ],
    ]);
  });

  it('checks that a blocker names a goal or a known condition', async () => {
    const withBlocker = (blocker: string) =>
      specGoals.replace('blocker: "owner_decision_pending"', `blocker: "${blocker}"`);
    expect(
      (await loadGoals(await goalsFile(withBlocker('g_subs_traffic')), { roles })).diagnostics,
    ).toEqual([]);
    const typo = await loadGoals(await goalsFile(withBlocker('g_subs_trafic')), { roles });
    expect(typo.diagnostics).toEqual([
      expect.objectContaining({
        line: 15,
        column: 18,
        code: 'goals/unknown-blocker',
        hint: 'did you mean "g_subs_traffic"?',
      }),
    ]);
    const condition = await loadGoals(await goalsFile(withBlocker('critic_rejection_3x')), {
      roles,
      conditions: ['critic_rejection_3x'],
    });
    expect(condition.diagnostics).toEqual([]);
    const declared = `${withBlocker('vendor_contract')}conditions: [vendor_contract]\n`;
    expect((await loadGoals(await goalsFile(declared), { roles })).diagnostics).toEqual([]);
    const freeText = await loadGoals(await goalsFile(withBlocker('waiting on the owner')), {
      roles,
    });
    expect(freeText.goals).toBeDefined();
    expect(freeText.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'goals/free-text-blocker' }),
    ]);
    const self = await loadGoals(await goalsFile(withBlocker('g_subs_referral')), { roles });
    expect(self.diagnostics).toEqual([expect.objectContaining({ code: 'goals/self-blocker' })]);
  });

  it('finds cycles of blockers', async () => {
    const text = `active_goals:
  - id: a
    statement: A
    status: blocked
    blocker: b
  - id: b
    statement: B
    status: blocked
    blocker: a
`;
    const { diagnostics } = await loadGoals(await goalsFile(text));
    expect(diagnostics).toEqual([
      expect.objectContaining({
        line: 5,
        code: 'goals/blocker-cycle',
        message: 'blockers form a cycle: a → b → a',
      }),
    ]);
  });

  it('reports schema mistakes with positions: statuses, cadences, deadlines, ids', async () => {
    const text = `active_goals:
  - id: "9lives"
    statement: Grow
    status: blokced
    deadline: 2026-02-30
review_cadence:
  strategic: weekley
`;
    const { diagnostics } = await loadGoals(await goalsFile(text));
    expect(
      diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code, diagnostic.hint]),
    ).toEqual([
      [2, 'schema/invalid-format', undefined],
      [4, 'schema/invalid-value', 'did you mean "blocked"?'],
      [5, 'goals/invalid-deadline', undefined],
      [7, 'schema/invalid-value', 'did you mean "weekly"?'],
    ]);
  });

  it('warns about deadlines that disagree, do not exist, or fall after the parent', async () => {
    const text = `active_goals:
  - id: g_a
    statement: Ship by 2026-06-01
    deadline: 2026-07-01
    sub_goals:
      - id: g_b
        statement: Draft before 2026-08-15
      - id: g_c
        statement: Launch by 2026-02-30
`;
    const { goals, diagnostics } = await loadGoals(await goalsFile(text));
    expect(goals).toBeDefined();
    expect(diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code])).toEqual([
      [4, 'goals/deadline-mismatch'],
      [7, 'goals/deadline-after-parent'],
      [9, 'goals/invalid-deadline'],
    ]);
  });

  it('reports a missing file without throwing', async () => {
    const { goals, diagnostics } = await loadGoals(
      join(tmpdir(), 'karnel-does-not-exist', 'current.yaml'),
      { displayPath: 'g.yaml' },
    );
    expect(goals).toBeUndefined();
    expect(diagnostics).toEqual([
      expect.objectContaining({ file: 'g.yaml', code: 'file/missing' }),
    ]);
  });
});
