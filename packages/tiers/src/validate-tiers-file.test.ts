import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateTiersFile } from './validate-tiers-file';

async function file(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'karnel-tiers-')), 'tiers.yaml');
  await writeFile(path, text);
  return path;
}

const good = `providers:
  lab:
    kind: openai-compatible
    base_url: http://127.0.0.1:8000/v1
    api_key_env: LAB_API_KEY
tiers:
  fast-general:
    - model: ollama:qwen3:8b
      context_window: 32768
      needs: { ram_gb: 8 }
    - model: lab:big
      price: { input: "0.15", output: "0.60", cached_input: "0.075" }
  T4:
    - model: ollama:qwen3:8b
`;

describe('validateTiersFile', () => {
  it('accepts a well-formed file, aliases and colons in model ids included', async () => {
    const result = await validateTiersFile(await file(good));
    expect(result.diagnostics).toEqual([]);
    expect(result.value?.tiers?.T4?.[0]?.model).toBe('ollama:qwen3:8b');
  });

  const cases: [string, string, string, number, number][] = [
    ['unknown tier', good.replace('  T4:', '  T9:'), 'tiers/unknown-tier', 13, 3],
    ['unknown provider', good.replace('lab:big', 'nowhere:big'), 'tiers/unknown-provider', 11, 14],
    ['negative price', good.replace('"0.15"', '"-0.15"'), 'schema/invalid-format', 12, 23],
    ['float-ish price', good.replace('"0.15"', '0.15'), 'schema/invalid-type', 12, 23],
    ['too precise price', good.replace('"0.15"', '"0.0000000000001"'), 'tiers/bad-price', 12, 23],
    [
      'a key in the file',
      good.replace('api_key_env: LAB_API_KEY', 'api_key: sk-live-abcdefghijkl'),
      'tiers/key-in-group',
      5,
      5,
    ],
    [
      'a duplicate candidate',
      good
        .replace('  T4:\n    - model: ollama:qwen3:8b\n', '')
        .replace('lab:big', 'ollama:qwen3:8b'),
      'tiers/duplicate-candidate',
      11,
      14,
    ],
  ];
  for (const [name, text, code, line, column] of cases) {
    it(`reports ${name} once, at its line and column`, async () => {
      const path = await file(text);
      const result = await validateTiersFile(path);
      expect(result.value).toBeUndefined();
      const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ file: path, code, line, column });
    });
  }

  it('never repeats the key it found', async () => {
    const result = await validateTiersFile(
      await file(good.replace('api_key_env: LAB_API_KEY', 'api_key: sk-live-abcdefghijkl')),
    );
    expect(JSON.stringify(result.diagnostics)).not.toContain('sk-live');
  });

  it('allows a key in the machine-level file', async () => {
    const result = await validateTiersFile(
      await file(good.replace('api_key_env: LAB_API_KEY', 'api_key: sk-live-abcdefghijkl')),
      { scope: 'machine' },
    );
    expect(result.diagnostics).toEqual([]);
  });

  it('reports a missing file as an error, never an empty success', async () => {
    const result = await validateTiersFile(join(tmpdir(), 'no-such-dir-karnel', 'tiers.yaml'));
    expect(result.value).toBeUndefined();
    expect(result.diagnostics[0]?.severity).toBe('error');
  });
});
