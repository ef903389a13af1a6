import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama } from '../test/fake-providers';
import { detectMachineProfile, type MachineProfile } from './machine-profile';
import { resolveTier } from './resolve-tier';
import { loadTiersConfig, type TiersConfig } from './tiers-config';

let ollama: FakeServer;
let profile: MachineProfile;
let config: TiersConfig;
const env = { OPENAI_API_KEY: 'sk-test-0000000000' };

beforeAll(async () => {
  ollama = await startFakeOllama(['qwen3:8b', 'huge']);
  profile = await detectMachineProfile({ ollamaHost: ollama.url, env });
  const root = await mkdtemp(join(tmpdir(), 'karnel-tiers-'));
  await writeFile(
    join(root, 'machine.yaml'),
    `providers:\n  ollama:\n    base_url: ${ollama.url}\n  remote:\n    kind: ollama\n    base_url: http://10.9.9.9:11434\n`,
  );
  await writeFile(
    join(root, 'tiers.yaml'),
    `tiers:
  fast-general:
    - model: openai:gpt-5-mini
      price: { input: "0.25", output: "2.00" }
    - model: ollama:qwen3:8b
    - model: ollama:not-pulled
    - model: anthropic:claude-haiku-4-5
      price: { input: "1", output: "5" }
    - model: ollama:huge
      needs: { ram_gb: 100000 }
  T4:
    - model: openai:gpt-5-mini
      price: { input: "0.25", output: "2.00" }
    - model: remote:qwen3:8b
    - model: ollama:qwen3:8b
`,
  );
  const result = await loadTiersConfig({
    groupDir: root,
    machineFile: join(root, 'machine.yaml'),
    env,
  });
  expect(result.diagnostics).toEqual([]);
  config = result.config!;
});
afterAll(() => ollama.close());

describe('resolveTier', () => {
  it('puts local first and says why each other candidate is left out', () => {
    const resolution = resolveTier('fast-general', config, profile, env);
    expect(resolution.candidates.map((candidate) => candidate.id)).toEqual([
      'ollama:qwen3:8b',
      'openai:gpt-5-mini',
    ]);
    const reasons = Object.fromEntries(
      resolution.excluded.map(({ candidate, reason }) => [candidate.id, reason]),
    );
    expect(reasons['ollama:not-pulled']).toMatch(/does not hold not-pulled/);
    expect(reasons['anthropic:claude-haiku-4-5']).toMatch(/set ANTHROPIC_API_KEY/);
    expect(reasons['ollama:huge']).toMatch(/needs 100000 GiB of RAM/);
  });

  it('never resolves local-private (T4) to a model off this machine', () => {
    const resolution = resolveTier('T4', config, profile, env);
    expect(resolution.tier).toBe('local-private');
    expect(resolution.candidates.map((candidate) => candidate.id)).toEqual(['ollama:qwen3:8b']);
    expect(resolution.excluded.map(({ reason }) => reason)).toEqual([
      expect.stringMatching(/^local-private never resolves/),
      expect.stringMatching(/^local-private never resolves.*10\.9\.9\.9/),
    ]);
  });

  it('resolves to nothing, with reasons, when the local server is down', async () => {
    const down = { ...profile, ollama: { ...profile.ollama, reachable: false, models: [] } };
    const resolution = resolveTier('local-private', config, down, env);
    expect(resolution.candidates).toEqual([]);
    expect(resolution.excluded.at(-1)?.reason).toMatch(/does not answer/);
  });

  it('refuses an unknown tier', () => {
    expect(() => resolveTier('T7', config, profile, env)).toThrow(/expected one of/);
  });
});
