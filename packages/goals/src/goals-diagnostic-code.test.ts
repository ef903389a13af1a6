import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GOALS_DIAGNOSTIC_CODES, isGoalsDiagnosticCode } from './goals-diagnostic-code';

const here = dirname(fileURLToPath(import.meta.url));

describe('GoalsDiagnosticCode', () => {
  it('covers every code this package writes in its sources, and lists none it never writes', async () => {
    const written = new Set<string>();
    for (const file of await readdir(here)) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.includes('diagnostic-code'))
        continue;
      const text = await readFile(join(here, file), 'utf8');
      for (const match of text.matchAll(/(?:code|diagnosticCode): '([a-z]+\/[a-z-]+)'/g))
        written.add(match[1]!);
    }
    expect([...written].filter((code) => !isGoalsDiagnosticCode(code))).toEqual([]);
    expect(GOALS_DIAGNOSTIC_CODES.filter((code) => !written.has(code))).toEqual([]);
    expect(isGoalsDiagnosticCode('schema/unknown-field')).toBe(true);
    expect(isGoalsDiagnosticCode('goals/made-up')).toBe(false);
  });
});
