import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample } from '../test/copy-example';
import { coordinationCheck } from './coordination-check';
import { validatePaths } from './validate-paths';

/** 1-based line and column where `needle` starts in `text`. */
function positionOf(text: string, needle: string): [number, number] {
  const before = text.slice(0, text.indexOf(needle));
  const lines = before.split('\n');
  return [lines.length, lines.at(-1)!.length + 1];
}

describe('coordinationCheck', () => {
  it('passes the newsletter example, warning only about its custom condition', async () => {
    const root = await copyExample('newsletter-co');
    const text = await readFile(
      join(root, 'newsletter-co', 'coordination', 'protocol.yaml'),
      'utf8',
    );
    const result = await validatePaths(['newsletter-co'], {
      cwd: root,
      checks: [coordinationCheck],
    });
    expect(
      result.diagnostics.filter((diagnostic) => diagnostic.code.startsWith('coordination/')),
    ).toMatchObject([
      {
        file: join('newsletter-co', 'coordination', 'protocol.yaml'),
        line: positionOf(text, '"strategic_pivot_needed"')[0],
        code: 'coordination/unknown-condition',
        severity: 'warning',
      },
    ]);
    expect(result.valid).toBe(true);
  });

  it('reports a review chain actor and an escalation target that are not members, at their lines', async () => {
    const root = await copyExample('newsletter-co');
    const path = join(root, 'newsletter-co', 'coordination', 'protocol.yaml');
    const text = await readFile(path, 'utf8');
    const broken = text
      .replace('- actor: "critic"', '- actor: "editor"')
      .replace('to: "strategist"', 'to: "ceo"');
    await writeFile(path, broken);
    const result = await validatePaths(['newsletter-co'], {
      cwd: root,
      checks: [coordinationCheck],
    });
    const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    expect(
      errors.map((diagnostic) => [
        diagnostic.file,
        diagnostic.line,
        diagnostic.column,
        diagnostic.code,
      ]),
    ).toEqual([
      [
        join('newsletter-co', 'coordination', 'protocol.yaml'),
        ...positionOf(broken, '"editor"'),
        'coordination/unknown-role',
      ],
      [
        join('newsletter-co', 'coordination', 'protocol.yaml'),
        ...positionOf(broken, '"ceo"'),
        'coordination/unknown-role',
      ],
    ]);
    expect(result.valid).toBe(false);
  });

  it('reports schema mistakes in the protocol file at their position', async () => {
    const root = await copyExample('newsletter-co');
    const path = join(root, 'newsletter-co', 'coordination', 'protocol.yaml');
    await writeFile(path, 'coordination_type: "pyramid"\n');
    const result = await validatePaths(['newsletter-co'], {
      cwd: root,
      checks: [coordinationCheck],
    });
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({
        line: 1,
        column: 20,
        code: 'schema/invalid-value',
        severity: 'error',
      }),
    );
  });
});
