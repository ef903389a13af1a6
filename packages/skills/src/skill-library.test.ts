import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createId, createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { ProtectedSkillError } from './protected-skill-error';
import { SkillFileError } from './skill-file-error';
import { createSkillLibrary } from './skill-library';
import { SkillNotFoundError } from './skill-not-found-error';

const corpus = resolve(import.meta.dirname, '../test/fixtures/skills');

async function temporaryFolder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'karnel-'));
}

async function writeSkill(
  root: string,
  name: string,
  description: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'SKILL.md'),
    `---\nname: ${name}\ndescription: ${description}\n---\n\nInstructions of ${description}.\n`,
  );
  for (const [path, content] of Object.entries(extra)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

async function copyOfCorpus(): Promise<string> {
  const root = await temporaryFolder();
  await cp(corpus, join(root, 'skills'), { recursive: true });
  return join(root, 'skills');
}

describe('createSkillLibrary', () => {
  it('lists the corpus by name and description only, category folders included', async () => {
    const library = createSkillLibrary({ roots: [{ dir: corpus, source: 'agent' }] });
    expect(library.specificationVersion).toBe('v1');
    const summaries = await library.list();
    expect(summaries.map((summary) => summary.name)).toEqual([
      'changelog-writer',
      'csv-profiler',
      'git-status',
      'github-issue-triage',
      'pdf-form-filler',
      'research-arxiv-trending',
      'workspace-search',
    ]);
    expect(Object.keys(summaries[0]!).sort()).toEqual([
      'description',
      'name',
      'protected',
      'source',
    ]);
    expect(await library.diagnostics()).toEqual([]);
  });

  it('lets an agent skill shadow a group skill, and a group skill a user skill, whatever the order of roots', async () => {
    const base = await temporaryFolder();
    await writeSkill(join(base, 'user'), 'summarise', 'the user version');
    await writeSkill(join(base, 'user'), 'only-user', 'a user skill');
    await writeSkill(join(base, 'group'), 'summarise', 'the group version');
    await writeSkill(join(base, 'group'), 'translate', 'the group translator');
    await writeSkill(join(base, 'agent'), 'translate', 'the agent translator');
    const library = createSkillLibrary({
      roots: [
        { dir: join(base, 'user'), source: 'user' },
        { dir: join(base, 'group'), source: 'group' },
        { dir: join(base, 'agent'), source: 'agent' },
        { dir: join(base, 'missing'), source: 'bundled' },
      ],
    });
    const list = await library.list();
    expect(list.map(({ name, description, source }) => `${name}:${source}:${description}`)).toEqual(
      [
        'only-user:user:a user skill',
        'summarise:group:the group version',
        'translate:agent:the agent translator',
      ],
    );
    const shadowed = (await library.diagnostics()).filter(
      (diagnostic) => diagnostic.code === 'skill/shadowed',
    );
    expect(shadowed.map(({ file, severity }) => ({ file, severity }))).toEqual([
      { file: join(base, 'group/translate/SKILL.md'), severity: 'info' },
      { file: join(base, 'user/summarise/SKILL.md'), severity: 'info' },
    ]);
  });

  it('reports broken skills as diagnostics and still lists the others', async () => {
    const root = await temporaryFolder();
    await writeSkill(root, 'good-skill', 'works');
    await writeSkill(root, 'bad-skill', 'x');
    await writeFile(join(root, 'bad-skill/SKILL.md'), '---\nname: Bad\ndescription: x\n---\n');
    const library = createSkillLibrary({
      roots: [{ dir: root, source: 'agent', displayPath: 'skills' }],
    });
    expect((await library.list()).map((summary) => summary.name)).toEqual(['good-skill']);
    expect(await library.diagnostics()).toContainEqual(
      expect.objectContaining({
        file: 'skills/bad-skill/SKILL.md',
        code: 'skill/name-uppercase',
        line: 2,
      }),
    );
  });

  it('discloses progressively: the body on activation, single files on request', async () => {
    const library = createSkillLibrary({ roots: [{ dir: corpus, source: 'agent' }] });
    const activation = await library.activate('pdf-form-filler');
    expect(activation.body).toContain('# Filling PDF forms');
    expect(activation.files).toEqual([
      'scripts/fill_form.py',
      'references/FORMS.md',
      'assets/cover-letter.txt',
    ]);
    const reference = await library.readFile('pdf-form-filler', 'references/FORMS.md');
    expect(reference).toBe(
      await readFile(join(corpus, 'pdf-form-filler/references/FORMS.md'), 'utf8'),
    );
  });

  it('refuses paths that leave the skill folder before reading anything', async () => {
    const root = await temporaryFolder();
    const dir = await writeSkill(join(root, 'skills'), 'leaky', 'tries to leak');
    await writeFile(join(root, 'secret.txt'), 'do not read');
    await symlink(join(root, 'secret.txt'), join(dir, 'link.txt'));
    const library = createSkillLibrary({ roots: [{ dir: join(root, 'skills'), source: 'agent' }] });
    const reasonOf = async (path: string) => {
      try {
        await library.readFile('leaky', path);
        return 'read';
      } catch (error) {
        if (!SkillFileError.isInstance(error)) throw error;
        return error.reason;
      }
    };
    expect(await reasonOf('../secret.txt')).toBe('escapes');
    expect(await reasonOf('scripts/../../../secret.txt')).toBe('escapes');
    expect(await reasonOf(join(root, 'secret.txt'))).toBe('absolute');
    expect(await reasonOf('link.txt')).toBe('symlink-escapes');
    expect(await reasonOf('missing.md')).toBe('missing');
    expect(await reasonOf('SKILL.md')).toBe('read');
  });

  it('throws SkillNotFoundError with a suggestion for an unknown name', async () => {
    const library = createSkillLibrary({ roots: [{ dir: corpus, source: 'agent' }] });
    const error = await library.activate('changelog-writr').catch((caught: unknown) => caught);
    expect(SkillNotFoundError.isInstance(error)).toBe(true);
    expect((error as SkillNotFoundError).suggestion).toBe('changelog-writer');
  });

  it('protects bundled, hub and hub-provenance skills from modification', async () => {
    const base = await temporaryFolder();
    await writeSkill(join(base, 'agent'), 'mine', 'self-authored');
    await writeSkill(join(base, 'agent'), 'from-hub', 'installed from a hub', {
      'karnel.yaml': 'karnel_skill_version: "0.2"\nprovenance:\n  source: hermeshub:from-hub\n',
    });
    await writeSkill(join(base, 'bundled'), 'builtin', 'ships with Karnel');
    await writeSkill(join(base, 'hub'), 'hub-skill', 'from the hub folder');
    await writeSkill(join(base, 'user'), 'pinned', 'protected by its root');
    const library = createSkillLibrary({
      roots: [
        { dir: join(base, 'agent'), source: 'agent' },
        { dir: join(base, 'bundled'), source: 'bundled' },
        { dir: join(base, 'hub'), source: 'hub' },
        { dir: join(base, 'user'), source: 'user', protected: true },
      ],
    });
    await expect(library.assertMutable('mine')).resolves.toBeUndefined();
    for (const name of ['from-hub', 'builtin', 'hub-skill', 'pinned']) {
      const error = await library.assertMutable(name).catch((caught: unknown) => caught);
      expect(ProtectedSkillError.isInstance(error), name).toBe(true);
      expect((error as ProtectedSkillError).skillName).toBe(name);
    }
    expect(
      (await library.list()).filter((summary) => summary.protected).map((summary) => summary.name),
    ).toEqual(['builtin', 'from-hub', 'hub-skill', 'pinned']);
  });
});

describe('usage statistics', () => {
  it('updates usage and attribution in place, keeping comments, and skips outcomes already counted', async () => {
    const skills = await copyOfCorpus();
    const clock = createManualClock('2026-05-01T12:00:00Z');
    const library = createSkillLibrary({ roots: [{ dir: skills, source: 'agent' }], clock });
    const first = createId('out', Date.parse('2026-05-01T10:00:00Z'));
    const second = createId('out', Date.parse('2026-05-01T11:00:00Z'));
    const result = await library.updateUsageFromOutcomes([
      { skill: 'research-arxiv-trending', success: true, id: first, ledgerRef: 'ledger/run_20' },
      { skill: 'research-arxiv-trending', success: false, id: second, ledgerRef: 'ledger/run_21' },
      { skill: 'retired-skill', success: true },
    ]);
    expect(result.unknown).toEqual(['retired-skill']);
    expect(result.updated).toEqual([
      {
        name: 'research-arxiv-trending',
        usage: {
          total_invocations: 49,
          success_rate: 0.898,
          successful_invocations: 44,
          last_used_at: '2026-05-01T12:00:00.000Z',
          last_outcome_id: second,
        },
        counted: 2,
        skipped: 0,
        persisted: true,
      },
    ]);
    const text = await readFile(join(skills, 'research-arxiv-trending/karnel.yaml'), 'utf8');
    expect(text.startsWith('# Karnel metadata for this skill')).toBe(true);
    expect(text).toContain(
      'contributed_to_outcomes: ["ledger/run_07", "ledger/run_12", ledger/run_20]',
    );
    // Untouched sections keep their exact text.
    const original = await readFile(join(corpus, 'research-arxiv-trending/karnel.yaml'), 'utf8');
    expect(text.slice(text.indexOf('execution:'))).toBe(
      original.slice(original.indexOf('execution:')),
    );
    const skill = await library.get('research-arxiv-trending');
    expect(skill?.karnel?.usage?.total_invocations).toBe(49);

    const replay = await library.updateUsageFromOutcomes([
      { skill: 'research-arxiv-trending', success: true, id: second },
    ]);
    expect(replay.updated[0]).toMatchObject({ counted: 0, skipped: 1, persisted: false });
    expect(await readFile(join(skills, 'research-arxiv-trending/karnel.yaml'), 'utf8')).toBe(text);
  });

  it('creates karnel.yaml for a skill that had none', async () => {
    const skills = await copyOfCorpus();
    const library = createSkillLibrary({
      roots: [{ dir: skills, source: 'agent' }],
      clock: createManualClock('2026-05-02T08:00:00Z'),
    });
    await library.recordUsage('changelog-writer', [{ success: true, at: '2026-05-02T07:59:00Z' }]);
    const skill = await library.get('changelog-writer');
    expect(skill?.karnel).toEqual({
      karnel_skill_version: '0.2',
      usage: {
        total_invocations: 1,
        success_rate: 1,
        successful_invocations: 1,
        last_used_at: '2026-05-02T07:59:00Z',
      },
    });
  });

  it('loses no update when many are recorded at once', async () => {
    const skills = await copyOfCorpus();
    const library = createSkillLibrary({ roots: [{ dir: skills, source: 'agent' }] });
    const other = createSkillLibrary({ roots: [{ dir: skills, source: 'agent' }] });
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 ? library : other).recordUsage('git-status', [{ success: index % 3 === 0 }]),
      ),
    );
    await library.refresh();
    const usage = (await library.get('git-status'))?.karnel?.usage;
    expect(usage?.total_invocations).toBe(12);
    expect(usage?.successful_invocations).toBe(4);
  });

  it('computes but never writes the usage of bundled skills', async () => {
    const skills = await copyOfCorpus();
    const before = await readFile(join(skills, 'research-arxiv-trending/karnel.yaml'), 'utf8');
    const library = createSkillLibrary({ roots: [{ dir: skills, source: 'bundled' }] });
    const recorded = await library.recordUsage('research-arxiv-trending', [{ success: true }]);
    expect(recorded).toMatchObject({
      persisted: false,
      counted: 1,
      usage: { total_invocations: 48 },
    });
    expect(await readFile(join(skills, 'research-arxiv-trending/karnel.yaml'), 'utf8')).toBe(
      before,
    );
  });
});
