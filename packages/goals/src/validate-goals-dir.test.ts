import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateGoalsDir } from './validate-goals-dir';

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const goals = `active_goals:
  - id: g_a
    statement: A
    owner_role: writer
    status: achieved
`;

describe('validateGoalsDir', () => {
  it('needs current.yaml', async () => {
    expect(await validateGoalsDir(await dirWith({}), { displayPath: 'agent/goals' })).toEqual([
      expect.objectContaining({
        file: 'agent/goals/current.yaml',
        code: 'file/missing',
        severity: 'error',
      }),
    ]);
  });

  it('checks owner roles only when roles are given', async () => {
    const dir = await dirWith({ 'current.yaml': goals });
    expect(await validateGoalsDir(dir)).toEqual([]);
    expect(await validateGoalsDir(dir, { roles: ['critic'] })).toEqual([
      expect.objectContaining({ line: 4, code: 'goals/unknown-owner-role' }),
    ]);
  });

  it('reports malformed history lines and a torn last line', async () => {
    const change = {
      at: '2026-05-06T10:00:00Z',
      goal: 'g_a',
      from: 'active',
      to: 'achieved',
      reason: 'done',
    };
    const dir = await dirWith({
      'current.yaml': goals,
      'history.jsonl': `${JSON.stringify(change)}\n${JSON.stringify({ ...change, reason: '' })}\n{"at":`,
    });
    expect(
      (await validateGoalsDir(dir, { displayPath: 'g' })).map((diagnostic) => [
        diagnostic.file,
        diagnostic.line,
        diagnostic.code,
        diagnostic.severity,
      ]),
    ).toEqual([
      ['g/history.jsonl', 2, 'goals/invalid-history', 'error'],
      ['g/history.jsonl', 3, 'jsonl/torn-line', 'warning'],
    ]);
  });
});
