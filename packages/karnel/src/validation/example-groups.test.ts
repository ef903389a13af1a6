import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '@karnel/core';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/karnel.js', import.meta.url));
const repository = fileURLToPath(new URL('../../../../', import.meta.url));

function validate(path: string): Promise<{ code: number | null; diagnostics: Diagnostic[] }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, 'validate', '--format', 'json', path], {
      cwd: repository,
      env: { ...process.env, CI: '1' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({ code, diagnostics: JSON.parse(stdout) as Diagnostic[] }),
    );
  });
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
