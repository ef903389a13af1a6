import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { MachineProfile } from '@karnel/tiers/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, makeTempDir } from '../test/copy-example';
import { createTiersCheck, tiersCheck } from './tiers-check';
import { validatePaths } from './validate-paths';

const group = 'oss-maintainers';
const reviewer = join(group, 'agents', 'reviewer');

/** The 1-based line of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string) =>
  text.split('\n').findIndex((line) => line.includes(needle)) + 1;

const profileWithoutOllama: MachineProfile = {
  specificationVersion: 'v1',
  ramBytes: 8 * 1024 ** 3,
  freeRamBytes: 4 * 1024 ** 3,
  cpuCount: 2,
  cpuModel: 'test',
  gpus: [],
  ollama: { host: 'http://127.0.0.1:11434', reachable: false, models: [], error: 'refused' },
  keysPresent: [],
};

const cloudTiers = `providers:
  lab:
    kind: openai-compatible
    base_url: https://lab.example/v1
    api_key_env: LAB_API_KEY
tiers:
  frontier-reasoning:
    - model: lab:big
      price: { input: "3", output: "15" }
  fast-general:
    - model: ollama:qwen3:8b
`;

describe('tiersCheck', () => {
  it('accepts the example group, which has no tiers.yaml, and reads nothing of the machine', async () => {
    const root = await copyExample(group);
    const result = await validatePaths([group], { cwd: root, checks: [tiersCheck] });
    expect(result.diagnostics).toEqual([]);
  });

  it('reports a key in a group tiers.yaml and mistakes in an agent tiers.yaml, each at its line and column', async () => {
    const root = await copyExample(group);
    const groupFile = `providers:
  lab:
    kind: openai-compatible
    base_url: https://lab.example/v1
    api_key: "sk-live-abcdefghijklmnop"
`;
    await writeFile(join(root, group, 'tiers.yaml'), groupFile);
    const agentFile = `tiers:
  frontier-reasoning:
    - model: lab:big
      price: { input: "3", output: "15" }
  middling:
    - model: nowhere:model
`;
    await writeFile(join(root, reviewer, 'tiers.yaml'), agentFile);
    const result = await validatePaths([group], { cwd: root, checks: [tiersCheck] });
    expect(
      result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`).sort(),
    ).toEqual(
      [
        `${join(group, 'tiers.yaml')}:5:5 tiers/key-in-group`,
        `${join(reviewer, 'tiers.yaml')}:5:3 tiers/unknown-tier`,
      ].sort(),
    );
    expect(result.diagnostics.every((d) => !d.message.includes('sk-live'))).toBe(true);
    expect(result.valid).toBe(false);
  });

  it('lets a member agent name a provider its group declares, but not an undeclared one', async () => {
    const root = await copyExample(group);
    await writeFile(join(root, group, 'tiers.yaml'), cloudTiers);
    await writeFile(
      join(root, reviewer, 'tiers.yaml'),
      'tiers:\n  T1:\n    - model: lab:bigger\n      price: { input: "4", output: "20" }\n    - model: elsewhere:x\n      price: { input: "1", output: "1" }\n',
    );
    const result = await validatePaths([group], { cwd: root, checks: [tiersCheck] });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`)).toEqual([
      `${join(reviewer, 'tiers.yaml')}:5:14 tiers/unknown-provider`,
    ]);
  });

  it('without --profile, checks nothing machine-dependent: an unresolvable tier is no warning', async () => {
    const root = await copyExample(group);
    await writeFile(join(root, group, 'tiers.yaml'), cloudTiers);
    const result = await validatePaths([group], { cwd: root });
    expect(result.diagnostics.filter((d) => d.code.startsWith('tiers/'))).toEqual([]);
  });

  it('with --profile, warns tiers/unresolvable at each model_class that resolves to no model here', async () => {
    const root = await copyExample(group);
    await writeFile(join(root, group, 'tiers.yaml'), cloudTiers);
    const machine = await makeTempDir();
    await writeFile(
      join(machine, 'tiers.yaml'),
      'tiers:\n  bulk-cheap:\n    - model: ollama:tiny\n',
    );
    const profile = {
      machineFile: join(machine, 'tiers.yaml'),
      machineProfile: profileWithoutOllama,
      env: {},
    };
    const result = await validatePaths([group], { cwd: root, profile });
    const warnings = result.diagnostics.filter((d) => d.code === 'tiers/unresolvable');
    const { readFile } = await import('node:fs/promises');
    const manifest = await readFile(join(root, group, 'manifest.yaml'), 'utf8');
    const memberLine = (tier: string) => lineOf(manifest, `model_class: "${tier}"`);
    expect(warnings.map((d) => `${d.file}:${d.line}:${d.column}`).sort()).toEqual(
      [
        `${join(group, 'manifest.yaml')}:${memberLine('bulk-cheap')}:18`,
        `${join(group, 'manifest.yaml')}:${memberLine('frontier-reasoning')}:18`,
        `${join(group, 'manifest.yaml')}:${memberLine('fast-general')}:18`,
        `${join(group, 'agents', 'release_manager', 'manifest.yaml')}:28:16`,
        `${join(reviewer, 'manifest.yaml')}:28:16`,
        `${join(group, 'agents', 'triager', 'manifest.yaml')}:28:16`,
      ].sort(),
    );
    expect(warnings.every((d) => d.severity === 'warning')).toBe(true);
    const frontier = warnings.find((d) => d.line === memberLine('frontier-reasoning'))!;
    expect(frontier.message).toContain('no key for lab: set LAB_API_KEY');
    const fast = warnings.find((d) => d.line === memberLine('fast-general'))!;
    expect(fast.message).toContain('does not answer');
    expect(result.valid).toBe(true);

    // With the key set, the frontier tier resolves: its warnings go, the others stay.
    const keyed = await validatePaths([group], {
      cwd: root,
      profile: { ...profile, env: { LAB_API_KEY: 'test-key' } },
    });
    const left = keyed.diagnostics.filter((d) => d.code === 'tiers/unresolvable');
    expect(left).toHaveLength(4);
    expect(left.some((d) => d.line === memberLine('frontier-reasoning'))).toBe(false);
  });

  it('a --machine-file that does not exist is an error, never an empty success', async () => {
    const root = await copyExample(group);
    const machine = await makeTempDir();
    const check = createTiersCheck({
      profile: true,
      machineFile: join(machine, 'absent.yaml'),
      machineProfile: profileWithoutOllama,
    });
    const result = await validatePaths([group], { cwd: root, checks: [check] });
    expect(result.valid).toBe(false);
    expect(result.diagnostics[0]).toMatchObject({
      file: join(machine, 'absent.yaml'),
      code: 'file/missing',
    });
  });

  describe('against a loopback Ollama server', () => {
    let url = '';
    const server = createServer((request, response) => {
      response.writeHead(request.url === '/api/tags' ? 200 : 404, {
        'content-type': 'application/json',
      });
      response.end(
        JSON.stringify({ models: [{ name: 'qwen3:8b', model: 'qwen3:8b', size: 5_000_000_000 }] }),
      );
    });
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('profiles the machine and resolves a local tier the server holds', async () => {
      const root = await copyExample(group);
      await writeFile(join(root, group, 'tiers.yaml'), cloudTiers);
      const machine = await makeTempDir();
      await writeFile(join(machine, 'tiers.yaml'), `providers:\n  ollama:\n    base_url: ${url}\n`);
      const result = await validatePaths([group], {
        cwd: root,
        profile: { machineFile: join(machine, 'tiers.yaml'), env: {} },
      });
      const warnings = result.diagnostics.filter((d) => d.code === 'tiers/unresolvable');
      // fast-general → ollama:qwen3:8b resolves; frontier-reasoning lacks its key; bulk-cheap has no candidate.
      expect(warnings.map((d) => d.message.match(/tier "([^"]+)"/)![1]).sort()).toEqual([
        'bulk-cheap',
        'bulk-cheap',
        'frontier-reasoning',
        'frontier-reasoning',
      ]);
    });
  });
});
