import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample } from '../test/copy-example';
import { constraintsCheck } from './constraints-check';
import { validatePaths } from './validate-paths';

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('constraintsCheck', () => {
  it('warns about each hard constraint the policy engine cannot enforce, at its line', async () => {
    const root = await copyExample('newsletter-co');
    const manifest = await readFile(join(root, 'newsletter-co', 'manifest.yaml'), 'utf8');
    const result = await validatePaths(['newsletter-co'], {
      cwd: root,
      checks: [constraintsCheck],
    });
    const group = result.diagnostics.filter(
      (diagnostic) =>
        diagnostic.file === join('newsletter-co', 'manifest.yaml') &&
        diagnostic.code.startsWith('constraint/'),
    );
    expect(
      group
        .filter((diagnostic) => diagnostic.severity !== 'info')
        .map((diagnostic) => [diagnostic.line, diagnostic.code, diagnostic.severity]),
    ).toEqual([
      [
        lineOf(manifest, 'never send to unsubscribed addresses'),
        'constraint/unenforceable',
        'warning',
      ],
    ]);
    expect(result.valid).toBe(true);
  });

  it('warns when a gate needs the approval of a role the group does not have', async () => {
    const root = await copyExample('newsletter-co');
    const path = join(root, 'newsletter-co', 'manifest.yaml');
    const manifest = (await readFile(path, 'utf8')).replace(
      'without critic approval',
      'without editor approval',
    );
    await writeFile(path, manifest);
    const result = await validatePaths(['newsletter-co'], {
      cwd: root,
      checks: [constraintsCheck],
    });
    expect(
      result.diagnostics.filter((diagnostic) => diagnostic.code === 'constraint/unknown-approver'),
    ).toMatchObject([
      {
        file: join('newsletter-co', 'manifest.yaml'),
        line: lineOf(manifest, 'without editor approval'),
        severity: 'warning',
      },
    ]);
  });
});
