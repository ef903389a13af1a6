import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '@karnel/core';
import { createPolicy } from '@karnel/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { defineNativeOperation } from './native-operation';
import { defaultNativeOperations } from './native-operations';
import { createNativeWorker } from './native-worker';

async function nativeSkill(
  entry: string,
  sandbox: Record<string, unknown> = { filesystem: { read: ['data'] } },
) {
  const parent = await makeTempDir();
  const skill = await makeSkill(parent, {
    name: `native-${entry}`,
    runtime: 'native',
    entry,
    sandbox,
  });
  await mkdir(join(skill.dir, 'data'), { recursive: true });
  return { parent, skill };
}

const allowAll = (parent: string) =>
  createPolicy({
    rules: [
      { effect: 'allow', capability: `fs.read:${parent}/**` },
      { effect: 'allow', capability: 'shell.exec:git status' },
    ],
  });

describe('createNativeWorker', () => {
  const worker = createNativeWorker();

  it('hashes a file inside the scope when policy allows it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (content) => {
        const { parent, skill } = await nativeSkill('sha256-file');
        await writeFile(join(skill.dir, 'data', 'a.bin'), content);
        const result = await worker.run(
          skill,
          { path: 'data/a.bin' },
          { cwd: skill.dir, policy: allowAll(parent) },
        );
        expect(result.ok).toBe(true);
        expect(JSON.parse(result.output)).toMatchObject({
          sha256: sha256Hex(content),
          bytes: content.length,
        });
      }),
      { numRuns: 10 },
    );
  });

  it('denies every path without a policy', async () => {
    const { skill } = await nativeSkill('sha256-file');
    await writeFile(join(skill.dir, 'data', 'a.txt'), 'a');
    const result = await worker.run(skill, { path: 'data/a.txt' }, { cwd: skill.dir });
    expect(result.ok).toBe(false);
    expect(result.killedBy).toBe('policy');
    expect(result.output).toBe('');
  });

  it("refuses a path outside the skill's declared scope even when policy allows it", async () => {
    const { parent, skill } = await nativeSkill('sha256-file');
    await writeFile(join(parent, 'outside.txt'), 'secret');
    for (const path of ['../outside.txt', join(parent, 'outside.txt')]) {
      const result = await worker.run(
        skill,
        { path },
        { cwd: skill.dir, policy: allowAll(parent) },
      );
      expect(result.killedBy).toBe('policy');
      expect(result.output).not.toContain(sha256Hex('secret'));
    }
  });

  it('refuses a symlink in the scope that leads outside it', async () => {
    const { parent, skill } = await nativeSkill('sha256-file');
    await writeFile(join(parent, 'outside.txt'), 'secret');
    await symlink(join(parent, 'outside.txt'), join(skill.dir, 'data', 'link.txt'));
    const result = await worker.run(
      skill,
      { path: 'data/link.txt' },
      { cwd: skill.dir, policy: allowAll(parent) },
    );
    expect(result.killedBy).toBe('policy');
    expect(result.output).toBe('');
  });

  it('scans a folder without following symlinks', async () => {
    const { parent, skill } = await nativeSkill('scan-dir');
    await mkdir(join(skill.dir, 'data', 'sub'));
    await writeFile(join(skill.dir, 'data', 'a.txt'), 'abc');
    await writeFile(join(skill.dir, 'data', 'sub', 'b.txt'), 'de');
    await symlink('/etc', join(skill.dir, 'data', 'etc'));
    const result = await worker.run(
      skill,
      { path: 'data' },
      { cwd: skill.dir, policy: allowAll(parent) },
    );
    expect(JSON.parse(result.output)).toMatchObject({
      files: 2,
      folders: 2,
      symlinks: 1,
      bytes: 5,
    });
  });

  it('reports git status only with shell.exec:git status granted', async () => {
    const { parent, skill } = await nativeSkill('git-status', { filesystem: { read: ['repo'] } });
    const repo = join(skill.dir, 'repo');
    await mkdir(repo);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    await writeFile(join(repo, 'new.txt'), 'x');
    const denied = await worker.run(
      skill,
      { path: 'repo' },
      {
        cwd: skill.dir,
        policy: createPolicy({ rules: [{ effect: 'allow', capability: `fs.read:${parent}/**` }] }),
      },
    );
    expect(denied.killedBy).toBe('policy');
    expect(
      denied.checks.find((check) => check.capability === 'shell.exec:git status')?.effect,
    ).toBe('deny');
    const result = await worker.run(
      skill,
      { path: 'repo' },
      { cwd: skill.dir, policy: allowAll(parent) },
    );
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.output).changes).toEqual([{ status: '??', path: 'new.txt' }]);
  });

  it('stops an operation at the timeout', async () => {
    const wait = defineNativeOperation({
      name: 'wait',
      description: 'Waits until aborted.',
      input: z.strictObject({}),
      needs: () => ({}),
      run: (_input, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
    });
    const parent = await makeTempDir();
    const skill = await makeSkill(parent, {
      name: 'wait',
      runtime: 'native',
      entry: 'wait',
      sandbox: { timeout_ms: 200 },
    });
    const result = await createNativeWorker({ operations: [...defaultNativeOperations, wait] }).run(
      skill,
      {},
    );
    expect(result.killedBy).toBe('timeout');
  });

  it('answers an unknown operation or a bad input with exit code 2', async () => {
    const parent = await makeTempDir();
    const unknown = await makeSkill(parent, {
      name: 'nothing',
      runtime: 'native',
      entry: 'nothing',
    });
    expect((await worker.run(unknown, {})).exitCode).toBe(2);
    const { skill } = await nativeSkill('sha256-file');
    const bad = await worker.run(skill, { file: 'x' });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/invalid/);
  });
});
