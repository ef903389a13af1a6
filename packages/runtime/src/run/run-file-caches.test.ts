import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLE_GROUP } from './example-group.test-support';
import { createRunFileCaches } from './run-file-caches';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function copy(from: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-file-caches-'));
  dirs.push(dir);
  await cp(from, join(dir, 'copy'), { recursive: true });
  return join(dir, 'copy');
}

describe('createRunFileCaches', () => {
  it('reads a skills folder once, and again when a skill changes, appears or goes', async () => {
    const skills = await copy(join(EXAMPLE_GROUP, 'agents', 'researcher', 'skills'));
    const caches = createRunFileCaches();
    const first = await caches.skills(skills);
    expect(first.skills.map((skill) => skill.name)).toEqual(['research-arxiv-trending']);
    expect(await caches.skills(skills)).toBe(first);

    const file = join(skills, 'research-arxiv-trending', 'SKILL.md');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/^description: .*$/m, 'description: Changed on disk.'));
    const edited = await caches.skills(skills);
    expect(edited).not.toBe(first);
    expect(edited.skills[0]?.description).toBe('Changed on disk.');

    await cp(
      join(EXAMPLE_GROUP, '..', 'skills', 'word-count-node'),
      join(skills, 'word-count-node'),
      { recursive: true },
    );
    const added = await caches.skills(skills);
    expect(added.skills.map((skill) => skill.name)).toEqual([
      'research-arxiv-trending',
      'word-count-node',
    ]);
    // A change below a skill (its code) is seen too.
    await writeFile(join(skills, 'word-count-node', 'scripts', 'main.mjs'), 'console.log(1);\n');
    const touched = await caches.skills(skills);
    expect(touched).not.toBe(added);
    expect(await caches.skills(skills)).toBe(touched);
    await rm(join(skills, 'word-count-node'), { recursive: true });
    expect((await caches.skills(skills)).skills.map((skill) => skill.name)).toEqual([
      'research-arxiv-trending',
    ]);
  });

  it('reads the goals file once, and again when it changes or goes', async () => {
    const goals = await copy(join(EXAMPLE_GROUP, 'goals'));
    const file = join(goals, 'current.yaml');
    const caches = createRunFileCaches();
    const first = await caches.goals(file);
    expect(first.goals).toBeDefined();
    expect(await caches.goals(file)).toBe(first);
    await writeFile(file, `${await readFile(file, 'utf8')}\n# edited\n`);
    const edited = await caches.goals(file);
    expect(edited).not.toBe(first);
    expect(edited.goals).toEqual(first.goals);
    await rm(file);
    const missing = await caches.goals(file);
    expect(missing.goals).toBeUndefined();
    expect(missing.diagnostics.length).toBeGreaterThan(0);
  });
});
