import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample } from '../test/copy-example';
import { goalsCheck } from './goals-check';
import { validatePaths } from './validate-paths';

describe('goalsCheck', () => {
  it('passes the newsletter example, group and member goals', async () => {
    const root = await copyExample('newsletter-co');
    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [goalsCheck] });
    expect(result.diagnostics.filter((diagnostic) => diagnostic.code.startsWith('goals/'))).toEqual(
      [],
    );
    expect(result.valid).toBe(true);
  });

  it('reports a sub-goal owned by no member at its owner_role line', async () => {
    const root = await copyExample('newsletter-co');
    const path = join(root, 'newsletter-co', 'goals', 'current.yaml');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('owner_role: "researcher"', 'owner_role: "seo_specialist"'));
    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [goalsCheck] });
    const line = text.slice(0, text.indexOf('owner_role: "researcher"')).split('\n').length;
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: join('newsletter-co', 'goals', 'current.yaml'),
        line,
        column: 21,
        code: 'goals/unknown-owner-role',
        severity: 'error',
      }),
    ]);
    expect(result.valid).toBe(false);
  });

  it("accepts a blocker naming one of the group's escalation conditions", async () => {
    const root = await copyExample('newsletter-co');
    const path = join(root, 'newsletter-co', 'goals', 'current.yaml');
    const text = await readFile(path, 'utf8');
    await writeFile(
      path,
      text.replace('blocker: "owner_decision_pending"', 'blocker: "critic_rejection_3x"'),
    );
    expect(
      (await validatePaths(['newsletter-co'], { cwd: root, checks: [goalsCheck] })).diagnostics,
    ).toEqual([]);
    await writeFile(
      path,
      text.replace('blocker: "owner_decision_pending"', 'blocker: "critic_rejection_4x"'),
    );
    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [goalsCheck] });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        code: 'goals/unknown-blocker',
        hint: 'did you mean "critic_rejection_3x"?',
      }),
    ]);
  });
});
