import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as config from './config';

const here = dirname(fileURLToPath(import.meta.url));

/** Every module specifier a source file imports at run time (type-only imports left out). */
async function runtimeImports(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms))
    if (!match[2]) found.push(match[3]!);
  for (const match of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push(match[1]!);
  return found;
}

describe('@karnel/tiers/config', () => {
  it('imports neither the AI SDK nor any provider package nor the treasury, however deep', async () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [join(here, 'config.ts')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of await runtimeImports(file)) {
        if (specifier.startsWith('.')) queue.push(join(dirname(file), `${specifier}.ts`));
        else packages.add(specifier);
      }
    }
    expect(seen.size).toBeGreaterThan(5);
    expect([...packages].sort()).toEqual([
      '@karnel/core',
      'node:child_process',
      'node:os',
      'node:path',
      'ollama',
      'zod',
    ]);
  });

  it('exports what a validator needs', () => {
    expect(typeof config.validateTiersFile).toBe('function');
    expect(typeof config.loadTiersConfig).toBe('function');
    expect(typeof config.resolveTier).toBe('function');
    expect(typeof config.detectMachineProfile).toBe('function');
  });
});
