import { cp, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAgentDir } from './validate-agent-dir';
import { validateDirectory } from './validate-directory';
import { validateGroupDir } from './validate-group-dir';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..', '..', '..', 'examples', 'newsletter-co');

/** Writes `size` bytes of plausible YAML without holding them in memory at once. */
async function writeLargeYaml(path: string, size: number): Promise<void> {
  const line = 'key: "a value that repeats until the file is large enough"\n';
  const chunk = Buffer.from(line.repeat(Math.floor((1024 * 1024) / line.length)));
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < size; written += chunk.length) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

/** The "billion laughs" attack: nine levels of aliases, each expanding the previous tenfold. */
function aliasBomb(): string {
  const lines = [
    'karnel_spec_version: "0.2"',
    'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  ];
  for (let level = 1; level < 9; level++) {
    const previous = `*a${level - 1}`;
    lines.push(`a${level}: &a${level} [${Array(10).fill(previous).join(', ')}]`);
  }
  lines.push('agent: *a8');
  return `${lines.join('\n')}\n`;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('hostile input', () => {
  it('refuses a 50 MB manifest with one diagnostic, without reading it into memory', async () => {
    const dir = join(root, 'huge-agent');
    await cp(join(example, 'agents', 'writer'), dir, { recursive: true });
    await writeLargeYaml(join(dir, 'manifest.yaml'), 50 * 1024 * 1024);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const result = await validateDirectory(dir, { displayPath: 'huge-agent' });
    const growth = process.memoryUsage().heapUsed - before;
    expect(result.diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.code])).toEqual([
      ['huge-agent/manifest.yaml', 'file/too-large'],
    ]);
    expect(result.valid).toBe(false);
    // Reading the file would take at least 50 MB of heap (100 MB as a JS string).
    expect(growth).toBeLessThan(20 * 1024 * 1024);
  });

  it('refuses a 50 MB member file and still checks the rest of the group', async () => {
    const dir = join(root, 'huge-member');
    await cp(example, dir, { recursive: true });
    await writeLargeYaml(join(dir, 'members', 'critic.yaml'), 50 * 1024 * 1024);
    const result = await validateGroupDir(dir, { displayPath: 'g' });
    expect(result.diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.code])).toEqual([
      ['g/members/critic.yaml', 'file/too-large'],
    ]);
    expect(result.agents).toHaveLength(3);
  });

  it('refuses an alias bomb with a diagnostic instead of expanding it', async () => {
    const dir = join(root, 'bomb');
    await cp(join(example, 'agents', 'writer'), dir, { recursive: true });
    await writeFile(join(dir, 'manifest.yaml'), aliasBomb());
    const result = await validateAgentDir(dir, { displayPath: 'bomb' });
    expect(result.diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.code])).toEqual([
      ['bomb/manifest.yaml', 'yaml/alias-limit'],
    ]);
    const detected = await validateDirectory(dir, { displayPath: 'bomb' });
    expect(detected.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['yaml/alias-limit']);
  });

  it('refuses absurdly deep nesting with a diagnostic', async () => {
    const dir = join(root, 'deep');
    await cp(join(example, 'agents', 'writer'), dir, { recursive: true });
    await writeFile(
      join(dir, 'manifest.yaml'),
      `agent: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
    );
    const result = await validateDirectory(dir, { displayPath: 'deep' });
    expect(result.valid).toBe(false);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.every((diagnostic) => diagnostic.code.startsWith('yaml/'))).toBe(
      true,
    );
  });
});
