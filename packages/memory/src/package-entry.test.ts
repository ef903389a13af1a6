import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package (turbo builds it before the tests run).
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** The file a relative specifier in `from` names (declaration files name `.js` for `.d.ts`). */
function local(from: string, specifier: string): string {
  const name = specifier.slice(2);
  return from.endsWith('.d.ts') ? name.replace(/\.js$/, '.d.ts') : name;
}

const optional = ['@lancedb/lancedb', 'apache-arrow', 'ollama', 'ai', 'vitest', 'fast-check'];

/** Every module `entry` loads statically (import … from), following relative imports. */
async function staticImports(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = async (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(join(dist, file), 'utf8');
    for (const match of text.matchAll(/^(?:import|export)\b[^;]*?from\s*["']([^"']+)["']/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('./')) await visit(local(file, specifier));
      else external.add(specifier);
    }
    for (const match of text.matchAll(/^import\s*["']([^"']+)["'];/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('./')) await visit(local(file, specifier));
      else external.add(specifier);
    }
  };
  await visit(entry);
  return external;
}

describe('the package entry points', () => {
  it('loads nothing heavy or optional from the main entry: no LanceDB, Arrow, Ollama, AI SDK or node:sqlite', async () => {
    expect([...(await staticImports('index.js'))].sort()).toEqual([
      '@karnel/core',
      'node:fs',
      'node:fs/promises',
      'node:path',
      'node:readline',
      'yaml',
      'zod',
    ]);
    // The types too: a program type-checks against the main entry with none of the peers installed.
    expect([...(await staticImports('index.d.ts'))].sort()).toEqual(['@karnel/core', 'zod']);
  });

  it('keeps each optional peer behind its own subpath, loaded only when used', async () => {
    for (const entry of ['ollama.js', 'lancedb.js', 'ollama.d.ts', 'lancedb.d.ts']) {
      const imports = await staticImports(entry);
      expect(optional.filter((name) => imports.has(name))).toEqual([]);
    }
    expect(await staticImports('ai.js')).toContain('ai');
    const testing = await staticImports('testing.js');
    expect(optional.filter((name) => testing.has(name)).sort()).toEqual(['fast-check', 'vitest']);
  });

  it('declares the heavy libraries as optional peers, never as dependencies', async () => {
    const manifest = JSON.parse(await readFile(join(dist, '..', 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@karnel/core', 'yaml', 'zod']);
    for (const peer of [
      '@lancedb/lancedb',
      'apache-arrow',
      'ollama',
      'ai',
      'vitest',
      'fast-check',
    ]) {
      expect(manifest.peerDependencies[peer]).toBeDefined();
      expect(manifest.peerDependenciesMeta[peer]).toEqual({ optional: true });
    }
    expect(Object.keys(manifest.exports)).toEqual([
      '.',
      './lancedb',
      './ollama',
      './ai',
      './testing',
      './package.json',
    ]);
  });
});
