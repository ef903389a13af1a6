import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadUrl, startFakeOllama, startFakeOpenAi } from '../../../tiers/test/fake-providers';
import { makeTempDir, runKarnel } from '../../test/run-karnel';

/** An environment with nothing configured: no machine file, no keys, no Ollama. */
async function freshEnv(root: string): Promise<Record<string, string>> {
  const config = join(root, 'config');
  await mkdir(config, { recursive: true });
  return {
    KARNEL_CONFIG_HOME: config,
    OPENAI_API_KEY: '',
    ANTHROPIC_API_KEY: '',
    OLLAMA_HOST: await deadUrl(),
  };
}

describe('karnel tiers', () => {
  it('doctor on a fresh machine says nothing is configured, plainly, and exits 0', async () => {
    const root = await makeTempDir();
    const env = await freshEnv(root);
    const run = await runKarnel(['tiers', 'doctor'], { cwd: root, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^machine: \d+ CPUs/m);
    expect(run.stdout).toContain(`ollama: ${env.OLLAMA_HOST} does not answer`);
    expect(run.stdout).toMatch(/^keys: none set; missing ANTHROPIC_API_KEY, OPENAI_API_KEY$/m);
    expect(run.stdout).toMatch(/^Nothing is configured: no tiers\.yaml at .*tiers\.yaml\./m);
  });

  it('doctor shows each tier → model and why, and never prints a key', async () => {
    const root = await makeTempDir();
    const ollama = await startFakeOllama(['qwen3:8b']);
    try {
      const env: Record<string, string> = {
        ...(await freshEnv(root)),
        OPENAI_API_KEY: 'sk-secret-never-printed-123',
        OLLAMA_HOST: ollama.url,
      };
      await writeFile(
        join(root, 'tiers.yaml'),
        `tiers:
  fast-general:
    - model: openai:gpt-5-mini
      price: { input: "0.25", output: "2.00" }
    - model: ollama:qwen3:8b
  local-private:
    - model: ollama:llama-not-pulled
`,
      );
      await writeFile(
        join(env.KARNEL_CONFIG_HOME!, 'tiers.yaml'),
        `providers:\n  ollama:\n    base_url: ${ollama.url}\n`,
      );
      const run = await runKarnel(['tiers', 'doctor', '.'], { cwd: root, env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^fast-general → ollama:qwen3:8b \(local; first usable of 2\)$/m);
      expect(run.stdout).toMatch(/^local-private → none on this machine$/m);
      expect(run.stdout).toMatch(
        /^ {2}- ollama:llama-not-pulled: the Ollama server does not hold llama-not-pulled/m,
      );
      expect(run.stdout).toMatch(/^frontier-reasoning → none: no candidate is listed$/m);
      expect(run.stdout).toMatch(/^keys: OPENAI_API_KEY set; missing ANTHROPIC_API_KEY$/m);
      expect(run.stdout + run.stderr).not.toContain('sk-secret');
    } finally {
      await ollama.close();
    }
  });

  it('doctor refuses a key in the group directory, naming file, line and column, without the key', async () => {
    const root = await makeTempDir();
    await writeFile(
      join(root, 'tiers.yaml'),
      'providers:\n  openai:\n    api_key: sk-live-abcdefghijklmnop\n',
    );
    const run = await runKarnel(['tiers', 'doctor', '.'], { cwd: root, env: await freshEnv(root) });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/tiers\.yaml:3:5/);
    expect(run.stdout + run.stderr).toMatch(/tiers\/key-in-group/);
    expect(run.stdout + run.stderr).not.toContain('sk-live');
  });

  it('doctor on a missing directory is an error', async () => {
    const root = await makeTempDir();
    const run = await runKarnel(['tiers', 'doctor', 'no-such-dir'], {
      cwd: root,
      env: await freshEnv(root),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no-such-dir is not a directory/);
  });

  it('test makes one tiny call through the tier and prints its cost', async () => {
    const root = await makeTempDir();
    const openai = await startFakeOpenAi();
    try {
      const env = { ...(await freshEnv(root)), OPENAI_API_KEY: 'sk-test-00000000' };
      await writeFile(
        join(root, 'tiers.yaml'),
        `providers:
  openai:
    base_url: ${openai.url}/v1
    local: false
tiers:
  T2:
    - model: ollama:qwen3:8b
    - model: openai:gpt-fake
      price: { input: "0.25", output: "2.00" }
`,
      );
      const run = await runKarnel(['tiers', 'test', 'T2', '.'], { cwd: root, env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^model: openai:gpt-fake$/m);
      expect(run.stdout).toMatch(/^tokens: 12 input, 0 cached input, 5 output$/m);
      // (12 × 0.25 + 5 × 2.00) / 1e6
      expect(run.stdout).toMatch(/^cost: 0\.000013 \(treasury currency\)$/m);
      expect(openai.chats()).toHaveLength(1);
      expect((openai.chats()[0]!.body as { max_tokens?: number }).max_tokens).toBe(16);
    } finally {
      await openai.close();
    }
  });

  it('test of local-private with nothing local fails plainly', async () => {
    const root = await makeTempDir();
    const run = await runKarnel(['tiers', 'test', 'local-private'], {
      cwd: root,
      env: await freshEnv(root),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/No model serves tier local-private on this machine/);
  });
});
