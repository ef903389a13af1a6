import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverSkills } from './discover-skills';

const SECRET = 'SECRET-KEY-MATERIAL';

function skillMd(name: string, body: string): string {
  return `---\nname: ${name}\ndescription: ${name} things\n---\n${body}\n`;
}

describe('discoverSkills with a root', () => {
  let base: string;
  let group: string;
  let skills: string;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'karnel-skills-root-'));
    group = join(base, 'group');
    skills = join(group, 'agents', 'writer', 'skills');
    await mkdir(join(skills, 'greet'), { recursive: true });
    await writeFile(join(skills, 'greet', 'SKILL.md'), skillMd('greet', 'Say hello.'));
    await mkdir(join(base, 'outside', 'steal'), { recursive: true });
    await writeFile(join(base, 'outside', 'steal', 'SKILL.md'), skillMd('steal', SECRET));
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('does not load a SKILL.md that is a symlink to a file outside the group', async () => {
    await mkdir(join(skills, 'steal'));
    await symlink(join(base, 'outside', 'steal', 'SKILL.md'), join(skills, 'steal', 'SKILL.md'));
    const found = await discoverSkills([{ dir: skills, source: 'agent', root: group }]);
    expect(found.skills.map((skill) => skill.name)).toEqual(['greet']);
    const refusal = found.diagnostics.find((d) => d.code === 'file/outside-root');
    expect(refusal).toMatchObject({ severity: 'error' });
    expect(refusal?.file).toBe(join(skills, 'steal', 'SKILL.md'));
    expect(refusal?.message).toContain('agents/writer/skills/steal/SKILL.md');
    expect(JSON.stringify(found)).not.toContain(SECRET);
  });

  it('loads nothing from a skills folder that is itself a symlink leading outside', async () => {
    await rm(skills, { recursive: true });
    await symlink(join(base, 'outside'), skills);
    const found = await discoverSkills([{ dir: skills, source: 'agent', root: group }]);
    expect(found.skills).toEqual([]);
    expect(found.diagnostics.map((d) => d.code)).toContain('file/outside-root');
    expect(JSON.stringify(found)).not.toContain(SECRET);
  });

  it('loads a skill through a symlink that stays inside the group', async () => {
    await mkdir(join(group, 'shared', 'polish'), { recursive: true });
    await writeFile(join(group, 'shared', 'polish', 'SKILL.md'), skillMd('polish', 'Polish.'));
    await mkdir(join(skills, 'polish'));
    await symlink(join(group, 'shared', 'polish', 'SKILL.md'), join(skills, 'polish', 'SKILL.md'));
    const found = await discoverSkills([{ dir: skills, source: 'agent', root: group }]);
    expect(found.skills.map((skill) => skill.name)).toEqual(['greet', 'polish']);
    expect(found.skills.find((skill) => skill.name === 'polish')?.body.trim()).toBe('Polish.');
  });
});
