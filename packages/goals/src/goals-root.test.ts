import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutsideRootError } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadGoals } from './load-goals';
import { updateGoalStatus } from './update-goal-status';

const SECRET = 'SECRET-KEY-MATERIAL';
const goalsText = (statement: string) =>
  `mission: Test\nactive_goals:\n  - id: g1\n    statement: ${statement}\n    owner_role: writer\n`;

describe('goals files read with a root', () => {
  let base: string;
  let group: string;
  let file: string;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'karnel-goals-root-'));
    group = join(base, 'group');
    file = join(group, 'goals', 'current.yaml');
    await mkdir(join(group, 'goals'), { recursive: true });
    await writeFile(join(base, 'outside.yaml'), goalsText(SECRET));
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('loadGoals refuses a goals file symlinked outside the group with file/outside-root', async () => {
    await symlink(join(base, 'outside.yaml'), file);
    const loaded = await loadGoals(file, { displayPath: 'goals/current.yaml', root: group });
    expect(loaded.goals).toBeUndefined();
    expect(loaded.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['file/outside-root']);
    expect(loaded.diagnostics[0]?.message).toContain('"goals/current.yaml" leads outside');
    expect(JSON.stringify(loaded.diagnostics)).not.toContain(SECRET);
  });

  it('updateGoalStatus neither reads nor rewrites a goals file symlinked outside', async () => {
    await symlink(join(base, 'outside.yaml'), file);
    const error = await updateGoalStatus(file, 'g1', 'achieved', 'finished', { root: group }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(OutsideRootError.isInstance(error)).toBe(true);
    expect(await readFile(join(base, 'outside.yaml'), 'utf8')).toBe(goalsText(SECRET));
  });

  it('still reads and updates a goals file inside the group', async () => {
    await writeFile(file, goalsText('Ship the newsletter'));
    expect((await loadGoals(file, { root: group })).goals?.active_goals[0]?.id).toBe('g1');
    const update = await updateGoalStatus(file, 'g1', 'achieved', 'shipped', { root: group });
    expect(update.changed).toBe(true);
    expect(await readFile(file, 'utf8')).toContain('status: achieved');
  });

  it('updateGoalStatus appends no history through a symlink leading outside, and changes nothing', async () => {
    await writeFile(file, goalsText('Ship the newsletter'));
    await writeFile(join(base, 'history.jsonl'), '');
    await symlink(join(base, 'history.jsonl'), join(group, 'goals', 'history.jsonl'));
    const error = await updateGoalStatus(file, 'g1', 'achieved', 'shipped', { root: group }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(OutsideRootError.isInstance(error)).toBe(true);
    expect(await readFile(join(base, 'history.jsonl'), 'utf8')).toBe('');
    expect(await readFile(file, 'utf8')).not.toContain('achieved');
  });
});
