import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { findEscapingSymlinks, globBase, planSandbox } from './sandbox-plan';

describe('globBase', () => {
  it('keeps the segments before the first glob character', () => {
    expect(globBase('data/*.csv')).toBe('data');
    expect(globBase('data/**')).toBe('data');
    expect(globBase('data/raw/file.txt')).toBe('data/raw/file.txt');
    expect(globBase('**/*.md')).toBe('.');
    expect(globBase('/srv/{a,b}/x')).toBe('/srv');
    expect(globBase('/*')).toBe('/');
  });
});

describe('planSandbox', () => {
  it('asks for the declared capabilities, the scopes as exposed, the network and secrets', async () => {
    const parent = await makeTempDir();
    const skill = await makeSkill(parent, {
      name: 'planned',
      runtime: 'node',
      files: { 'scripts/main.mjs': '', 'data/a.csv': 'a' },
      capabilities: ['fs.read:./data/**', 'messaging.send:ops'],
      sandbox: { network: 'enabled', filesystem: { read: ['data/*.csv'], write: ['out'] } },
    });
    const plan = await planSandbox(skill, 'node', { secrets: ['TOKEN'], actor: 'agt_x' });
    expect(plan.actor).toBe('agt_x');
    expect(plan.requests).toEqual([
      { capability: `fs.read:${join(skill.dir, 'data/**')}`, source: 'declared' },
      { capability: 'messaging.send:ops', source: 'declared' },
      { capability: 'net', source: 'network' },
      { capability: `fs.read:${join(skill.dir, 'data')}/**`, source: 'sandbox-filesystem' },
      { capability: `fs.write:${join(skill.dir, 'out')}/**`, source: 'sandbox-filesystem' },
      { capability: 'secrets.read:TOKEN', source: 'secret' },
    ]);
  });
});

describe('findEscapingSymlinks', () => {
  it('reports links that lead outside every allowed root, dangling ones included', async () => {
    const root = await makeTempDir();
    const scope = join(root, 'scope');
    await mkdir(join(scope, 'deep'), { recursive: true });
    await writeFile(join(root, 'secret.txt'), 's');
    await symlink(join(root, 'secret.txt'), join(scope, 'deep', 'out'));
    await symlink(join(scope, 'deep'), join(scope, 'in'));
    await symlink(join(root, 'not-yet'), join(scope, 'dangling'));
    const scan = await findEscapingSymlinks([scope], [scope]);
    expect(scan.truncated).toBe(false);
    expect(scan.escaping.map((entry) => entry.split(' -> ')[0]).sort()).toEqual(
      [join(scope, 'dangling'), join(scope, 'deep', 'out')].sort(),
    );
    expect((await findEscapingSymlinks([scope], [root])).escaping).toEqual([]);
    expect((await findEscapingSymlinks([scope], [scope], { limit: 2 })).truncated).toBe(true);
  });
});
