import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { runKarnel } from '../../test/run-karnel';

const repository = fileURLToPath(new URL('../../../../', import.meta.url));

async function validate(path: string): Promise<{ code: number | null; diagnostics: Diagnostic[] }> {
  const { code, stdout } = await runKarnel(['validate', '--format', 'json', path], {
    cwd: repository,
  });
  return { code, diagnostics: JSON.parse(stdout) as Diagnostic[] };
}

describe('the example groups, two shapes on one substrate', () => {
  it('newsletter-co (hierarchical) stays valid', async () => {
    const { code, diagnostics } = await validate('examples/newsletter-co');
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
  });

  it('oss-maintainers (network) is valid with nothing to warn about, its ledger included', async () => {
    const { code, diagnostics } = await validate('examples/oss-maintainers');
    expect(diagnostics.filter((diagnostic) => diagnostic.severity !== 'info')).toEqual([]);
    expect(code).toBe(0);
  });
});
