import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sha256Hex } from '@karnel/core';
import { loadSkill } from '@karnel/skills';
import { describe, expect, it } from 'vitest';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { SandboxUnavailableError } from './errors';
import { createWasmWorker } from './wasm-worker';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'wasm');
const examples = join(import.meta.dirname, '..', '..', '..', 'examples', 'skills');

async function wasmSkill(
  name: string,
  sandbox: Record<string, unknown> = {},
  extra: { capabilities?: string[] } = {},
) {
  const bytes = await readFile(join(fixtures, `${name}.wasm`));
  const parent = await makeTempDir();
  return makeSkill(parent, {
    name: `wasm-${name}`,
    runtime: 'wasm',
    entry: 'main.wasm',
    sha256: sha256Hex(bytes),
    files: { 'main.wasm': bytes },
    sandbox,
    ...extra,
  });
}

describe('createWasmWorker', () => {
  const worker = createWasmWorker();

  it('runs the add-wasm example', async () => {
    const { skill } = await loadSkill(join(examples, 'add-wasm'));
    const result = await worker.run(skill!, '20 22');
    expect(result).toMatchObject({ ok: true, output: '42', exitCode: 0 });
    expect(result.isolation).toContain('wasm-memory-cap');
  });

  it('adds any pair of non-negative integers', async () => {
    const { skill } = await loadSkill(join(examples, 'add-wasm'));
    for (const [left, right] of [
      [0, 0],
      [7, 35],
      [123456789, 987654321],
    ] as const) {
      const result = await worker.run(skill!, { a: left, b: right });
      expect(result.output).toBe(String(left + right));
    }
  });

  it('caps memory growth at the sandbox limit: memory.grow fails at the cap', async () => {
    const skill = await wasmSkill('grow', { max_memory_mb: 2 });
    const result = await worker.run(skill, '');
    expect(result.ok).toBe(true);
    const pages = Number(result.output);
    // 2 MB is 32 pages of 64 KiB; the module asked for 65536.
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(32);
  });

  it('refuses a module whose initial memory is over the cap', async () => {
    const skill = await wasmSkill('big', { max_memory_mb: 16 });
    const result = await worker.run(skill, '');
    expect(result.ok).toBe(false);
    expect(result.killedBy).toBe('sandbox');
    expect(result.reason).toMatch(/over the sandbox's cap/);
  });

  it('stops a module that exhausts the host memory budget through alloc', async () => {
    const skill = await wasmSkill('alloc', { max_memory_mb: 64 });
    const result = await worker.run(skill, '');
    expect(result.ok).toBe(false);
    expect(result.killedBy).toBe('memory');
  });

  it('kills an infinite loop at the timeout', async () => {
    const skill = await wasmSkill('loop', { timeout_ms: 500 });
    const result = await worker.run(skill, '');
    expect(result.ok).toBe(false);
    expect(result.killedBy).toBe('timeout');
  });

  it('denies http_request without the network, and the server sees no connection', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const skill = await wasmSkill('http');
      const result = await worker.run(skill, { url: `http://127.0.0.1:${port}/`, method: 'GET' });
      expect(result.ok).toBe(false);
      expect(result.killedBy).toBe('policy');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a module that imports a host function nobody granted', async () => {
    const skill = await wasmSkill('secret');
    const result = await worker.run(skill, '');
    expect(result.ok).toBe(false);
    expect(result.killedBy).toBe('policy');
    expect(result.reason).toContain('env.karnel_read_secret');
  });

  it('refuses a module whose bytes changed after the skill was loaded', async () => {
    const skill = await wasmSkill('noop');
    const path = join(skill.dir, 'main.wasm');
    await writeFile(path, await readFile(join(fixtures, 'loop.wasm')));
    const result = await worker.run(skill, '');
    expect(result.ok).toBe(false);
    expect(result.killedBy).toBe('sandbox');
    expect(result.reason).toMatch(/SHA-256/);
  });

  it('refuses a sandbox it cannot honour: network, read-only folders', async () => {
    const networked = await wasmSkill(
      'noop',
      { network: 'enabled' },
      { capabilities: ['net:example.com'] },
    );
    await expect(worker.run(networked, '')).rejects.toSatisfy(SandboxUnavailableError.isInstance);
    const reader = await wasmSkill('noop', { filesystem: { read: ['data'] } });
    await expect(worker.run(reader, '')).rejects.toThrow(/read-only/);
  });
});
