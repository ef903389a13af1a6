import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYaml } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReferenceResolver, type ReferenceTarget } from './resolve-reference';

let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'karnel-'));
  root = join(base, 'root');
  await mkdir(join(root, 'inside', 'deeper'), { recursive: true });
  await writeFile(join(root, 'inside', 'file.yaml'), 'a: 1\n');
  await mkdir(join(base, 'outside', 'deeper'), { recursive: true });
  await writeFile(join(base, 'outside', 'file.yaml'), 'a: 1\n');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function check(reference: string, target: ReferenceTarget = 'directory') {
  const document = parseYaml(`ref: ${JSON.stringify(reference)}\n`, 'm.yaml');
  const result = await createReferenceResolver(root).resolve(reference, {
    document,
    path: ['ref'],
    target,
    what: 'thing',
  });
  return result.ok ? 'ok' : result.diagnostic.code;
}

describe('createReferenceResolver', () => {
  it('accepts paths inside, including through symlinks that stay inside', async () => {
    await symlink(join(root, 'inside'), join(root, 'alias'));
    expect(await check('./inside')).toBe('ok');
    expect(await check('inside/deeper/')).toBe('ok');
    expect(await check('./inside/../inside/file.yaml', 'file')).toBe('ok');
    expect(await check('./alias/deeper')).toBe('ok');
    expect(await check('.')).toBe('ok');
  });

  it('refuses absolute paths, ".." that climbs out, and symlinks out at any depth', async () => {
    await symlink(join(base, 'outside'), join(root, 'out'));
    await symlink(join(base, 'outside', 'file.yaml'), join(root, 'inside', 'file-out.yaml'));
    expect(await check('/etc')).toBe('ref/escapes');
    expect(await check('../outside')).toBe('ref/escapes');
    expect(await check('inside/../../outside')).toBe('ref/escapes');
    expect(await check('./out')).toBe('ref/escapes');
    expect(await check('./out/deeper')).toBe('ref/escapes');
    expect(await check('./out/file.yaml', 'file')).toBe('ref/escapes');
    expect(await check('./inside/file-out.yaml', 'file')).toBe('ref/escapes');
  });

  it('accepts references under a root that is itself reached through a symlink', async () => {
    await symlink(root, join(base, 'root-link'));
    const document = parseYaml('ref: x\n', 'm.yaml');
    const resolver = createReferenceResolver(join(base, 'root-link'));
    expect(
      (
        await resolver.resolve('./inside', {
          document,
          path: ['ref'],
          target: 'directory',
          what: 'thing',
        })
      ).ok,
    ).toBe(true);
  });

  it('reports missing, dangling, looping and wrong-type targets', async () => {
    await symlink(join(root, 'nowhere'), join(root, 'dangling'));
    await symlink(join(root, 'loop-b'), join(root, 'loop-a'));
    await symlink(join(root, 'loop-a'), join(root, 'loop-b'));
    expect(await check('./missing')).toBe('ref/not-found');
    expect(await check('./dangling')).toBe('ref/not-found');
    expect(await check('./loop-a')).toBe('ref/not-found');
    expect(await check('./inside/file.yaml')).toBe('ref/not-a-directory');
    expect(await check('./inside', 'file')).toBe('ref/not-a-file');
  });
});
