import { cp, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createManualClock, InvalidArgumentError } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { importSkill } from './import-skill';

const corpus = resolve(import.meta.dirname, '../test/fixtures/skills');
const broken = resolve(import.meta.dirname, '../test/fixtures/skills-broken');

describe('importSkill', () => {
  it('copies a skill and records its provenance, dropping the source agent usage', async () => {
    const agent = await mkdtemp(join(tmpdir(), 'karnel-'));
    const clock = createManualClock('2026-05-03T10:00:00Z');
    const result = await importSkill({
      from: join(corpus, 'research-arxiv-trending'),
      skillsDir: join(agent, 'skills'),
      source: 'hermeshub:research-arxiv-trending',
      runId: 'run_01HZX3J5K9V2W8Q4R7T6Y1M0NB',
      clock,
    });
    expect(result.diagnostics).toEqual([]);
    const skill = result.skill!;
    expect(skill.dir).toBe(join(agent, 'skills/research-arxiv-trending'));
    expect(skill.protected).toBe(true);
    expect(skill.karnel?.provenance).toEqual({
      source: 'hermeshub:research-arxiv-trending',
      created_at: '2026-05-03T10:00:00.000Z',
      created_by_run: 'run_01HZX3J5K9V2W8Q4R7T6Y1M0NB',
    });
    expect(skill.karnel?.usage).toBeUndefined();
    expect(skill.karnel?.attribution).toBeUndefined();
    expect(skill.execution?.runtime).toBe('python');
    expect(await readFile(join(skill.dir, 'scripts/collect.py'), 'utf8')).toBe(
      await readFile(join(corpus, 'research-arxiv-trending/scripts/collect.py'), 'utf8'),
    );
    expect((await readdir(join(agent, 'skills'))).sort()).toEqual(['research-arxiv-trending']);
  });

  it('creates the skills folder but never a missing agent folder', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'karnel-'));
    const result = await importSkill({
      from: join(corpus, 'changelog-writer'),
      skillsDir: join(parent, 'agnet-typo', 'skills'),
    });
    expect(result.skill).toBeUndefined();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        code: 'skill/missing-root',
        severity: 'error',
        file: join(parent, 'agnet-typo', 'skills'),
      }),
    ]);
    expect(await readdir(parent)).toEqual([]);
  });

  it('imports a nested Hermes skill with a Hermes name', async () => {
    const agent = await mkdtemp(join(tmpdir(), 'karnel-'));
    const hermes = resolve(import.meta.dirname, '../test/fixtures/hermes-skills');
    const result = await importSkill({
      from: join(hermes, 'mlops/inference/llama.cpp'),
      skillsDir: join(agent, 'skills'),
    });
    expect(result.skill?.dir).toBe(join(agent, 'skills/llama.cpp'));
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
      'skill/name-not-portable',
    ]);
  });

  it('writes a karnel.yaml for a plain skill, as self-authored by default', async () => {
    const agent = await mkdtemp(join(tmpdir(), 'karnel-'));
    const result = await importSkill({
      from: join(corpus, 'pdf-form-filler'),
      skillsDir: join(agent, 'skills'),
      clock: createManualClock('2026-05-03T10:00:00Z'),
    });
    expect(result.skill?.karnel).toEqual({
      karnel_skill_version: '0.2',
      provenance: { source: 'self-authored', created_at: '2026-05-03T10:00:00.000Z' },
    });
    expect(result.skill?.protected).toBe(false);
    expect(await readFile(join(corpus, 'pdf-form-filler/SKILL.md'), 'utf8')).toBe(
      await readFile(join(agent, 'skills/pdf-form-filler/SKILL.md'), 'utf8'),
    );
  });

  it('refuses to overwrite an existing skill and leaves it untouched', async () => {
    const agent = await mkdtemp(join(tmpdir(), 'karnel-'));
    await mkdir(join(agent, 'skills/changelog-writer'), { recursive: true });
    await writeFile(join(agent, 'skills/changelog-writer/SKILL.md'), 'mine');
    const result = await importSkill({
      from: join(corpus, 'changelog-writer'),
      skillsDir: join(agent, 'skills'),
    });
    expect(result.skill).toBeUndefined();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ code: 'skill/already-exists', severity: 'error' }),
    ]);
    expect(await readFile(join(agent, 'skills/changelog-writer/SKILL.md'), 'utf8')).toBe('mine');
    expect(await readdir(join(agent, 'skills'))).toEqual(['changelog-writer']);
  });

  it('refuses an invalid skill and a skill holding symlinks', async () => {
    const agent = await mkdtemp(join(tmpdir(), 'karnel-'));
    const invalid = await importSkill({
      from: join(broken, 'entry-traversal'),
      skillsDir: join(agent, 'skills'),
    });
    expect(invalid.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'skill/entry-escapes' }),
    );
    const source = join(agent, 'incoming/linked');
    await cp(join(corpus, 'changelog-writer'), source, { recursive: true });
    await writeFile(join(source, '..', 'secret'), 'x');
    await symlink(join(source, '..', 'secret'), join(source, 'notes.md'));
    const rewritten = (await readFile(join(source, 'SKILL.md'), 'utf8')).replace(
      'name: changelog-writer',
      'name: linked',
    );
    await writeFile(join(source, 'SKILL.md'), rewritten);
    const linked = await importSkill({ from: source, skillsDir: join(agent, 'skills') });
    expect(linked.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'skill/import-symlink' }),
    );
    await expect(readdir(join(agent, 'skills'))).rejects.toThrow();
  });

  it('throws InvalidArgumentError for a malformed provenance source', async () => {
    const agent = await mkdtemp(join(tmpdir(), 'karnel-'));
    const error = await importSkill({
      from: join(corpus, 'changelog-writer'),
      skillsDir: agent,
      source: 'github:x',
    }).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
  });
});
