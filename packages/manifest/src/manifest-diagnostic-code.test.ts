import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isManifestDiagnosticCode, MANIFEST_DIAGNOSTIC_CODES } from './manifest-diagnostic-code';
import { validateDirectory } from './validate-directory';

const here = dirname(fileURLToPath(import.meta.url));
const broken = join(here, '..', 'test', 'fixtures', 'broken-group');
const spec = join(here, '..', '..', '..', 'spec', 'spec.md');

describe('ManifestDiagnosticCode', () => {
  it('covers every code this package writes in its sources', async () => {
    const written = new Set<string>();
    for (const file of await readdir(here)) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const text = await readFile(join(here, file), 'utf8');
      for (const match of text.matchAll(
        /(?:code: |diagnosticCode: |fail\(|at\()'([a-z]+\/[a-z-]+)'/g,
      ))
        written.add(match[1]!);
    }
    expect(written.size).toBeGreaterThan(20);
    expect([...written].filter((code) => !isManifestDiagnosticCode(code))).toEqual([]);
  });

  it('covers every code the validator reports for a broken group', async () => {
    const result = await validateDirectory(broken);
    const codes = result.diagnostics.map((diagnostic) => diagnostic.code);
    expect(codes.length).toBeGreaterThan(3);
    expect(codes.filter((code) => !isManifestDiagnosticCode(code))).toEqual([]);
  });

  it('documents each fixed code in the spec', async () => {
    const text = await readFile(spec, 'utf8');
    expect(MANIFEST_DIAGNOSTIC_CODES.filter((code) => !text.includes(`\`${code}\``))).toEqual([]);
  });
});
