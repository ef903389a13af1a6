import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample } from '../test/copy-example';
import { curatorCheck } from './curator-check';
import { validatePaths } from './validate-paths';

describe('curatorCheck', () => {
  it('passes a group without curator.yaml, and one with valid settings', async () => {
    const root = await copyExample('newsletter-co');
    const check = () => validatePaths(['newsletter-co'], { cwd: root, checks: [curatorCheck] });
    expect((await check()).diagnostics).toEqual([]);
    await writeFile(
      join(root, 'newsletter-co', 'curator.yaml'),
      'pinned: [review-draft]\nmodel_pass:\n  enabled: true\n',
    );
    expect((await check()).valid).toBe(true);
  });

  it('reports each mistake at its line and column, naming the file under the group', async () => {
    const root = await copyExample('newsletter-co');
    await writeFile(
      join(root, 'newsletter-co', 'curator.yaml'),
      'stale_after_days: soon\nmodel_pass:\n  tier: gigantic\n  budget: 3\n',
    );
    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [curatorCheck] });
    expect(result.valid).toBe(false);
    expect(
      result.diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.line, diagnostic.column]),
    ).toEqual([
      [join('newsletter-co', 'curator.yaml'), 1, 19],
      [join('newsletter-co', 'curator.yaml'), 3, 9],
      [join('newsletter-co', 'curator.yaml'), 4, 3],
    ]);
  });
});
