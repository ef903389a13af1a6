import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '@karnel/core';
import { createPolicy } from '@karnel/policy';
import { describe, expect, it } from 'vitest';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { WrongRuntimeError } from './errors';
import { createNodeWorker } from './node-worker';
import { createWorkerPool, runSkill } from './worker-pool';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'wasm');

describe('createWorkerPool and runSkill', () => {
  it('picks the worker by the skill runtime', async () => {
    const parent = await makeTempDir();
    const bytes = await readFile(join(fixtures, 'noop.wasm'));
    const wasm = await makeSkill(parent, {
      name: 'noop',
      runtime: 'wasm',
      sha256: sha256Hex(bytes),
      files: { 'main.wasm': bytes },
    });
    const native = await makeSkill(parent, {
      name: 'sha256-file',
      runtime: 'native',
      sandbox: { filesystem: { read: ['.'] } },
    });
    await writeFile(join(native.dir, 'x.txt'), 'x');
    expect((await runSkill(wasm, '')).ok).toBe(true);
    const hashed = await runSkill(
      native,
      { path: join(native.dir, 'x.txt') },
      {
        policy: createPolicy({ rules: [{ effect: 'allow', capability: `fs.read:${parent}/**` }] }),
      },
    );
    expect(JSON.parse(hashed.output).sha256).toBe(sha256Hex('x'));
  });

  it('uses the workers it is given and probes all four runtimes', async () => {
    const node = createNodeWorker({ isolation: 'process' });
    const pool = createWorkerPool({ workers: { node } });
    expect(pool.worker('node')).toBe(node);
    const probes = await pool.probe();
    expect(probes.map((probe) => probe.runtime)).toEqual(['native', 'node', 'python', 'wasm']);
    expect(probes.find((probe) => probe.runtime === 'node')?.bubblewrap).toBe(false);
  });

  it('refuses a skill without an execution section', () => {
    expect(() => createWorkerPool().run({ name: 'plain', dir: '/tmp' }, '')).toThrow(
      WrongRuntimeError,
    );
  });
});
