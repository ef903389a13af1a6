import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { copyExample, makeTempDir, runKarnel } from '../../test/run-karnel';

const fixtures = fileURLToPath(new URL('../../../skills/test/fixtures', import.meta.url));

async function workspace(): Promise<string> {
  const root = await makeTempDir();
  await cp(join(fixtures, 'skills'), join(root, 'skills'), { recursive: true });
  await cp(join(fixtures, 'skills-broken'), join(root, 'broken'), { recursive: true });
  return root;
}

describe('karnel skills', () => {
  it('lists the skills of a folder with their source and runtime', async () => {
    const root = await workspace();
    const run = await runKarnel(['skills', 'list', 'skills'], { cwd: root });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SOURCE\s+FLAGS\s+DESCRIPTION$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['changelog-writer', 'agent', '-'],
      ['csv-profiler', 'agent', 'node,protected'],
      ['git-status', 'agent', 'native'],
      ['github-issue-triage', 'agent', '-'],
      ['pdf-form-filler', 'agent', '-'],
      ['research-arxiv-trending', 'agent', 'python'],
      ['workspace-search', 'agent', 'wasm'],
    ]);
  });

  it("lists an agent's skills over its group's and user's, as JSON", async () => {
    const root = await workspace();
    await mkdir(join(root, 'agent/skills'), { recursive: true });
    await writeFile(
      join(root, 'agent/manifest.yaml'),
      'agent:\n  name: dev\ncomponents:\n  skills: "./skills"\n',
    );
    await cp(join(root, 'skills/changelog-writer'), join(root, 'agent/skills/changelog-writer'), {
      recursive: true,
    });
    const run = await runKarnel(
      ['skills', 'list', 'agent', '--user', 'skills', '--format', 'json'],
      { cwd: root },
    );
    expect(run.code, run.stderr).toBe(0);
    const output = JSON.parse(run.stdout) as {
      skills: Array<{ name: string; source: string }>;
      diagnostics: Array<{ code: string }>;
    };
    expect(output.skills.find((skill) => skill.name === 'changelog-writer')?.source).toBe('agent');
    expect(output.skills.find((skill) => skill.name === 'pdf-form-filler')?.source).toBe('user');
    expect(output.diagnostics).toEqual([
      expect.objectContaining({
        code: 'skill/shadowed',
        file: join('skills', 'changelog-writer', 'SKILL.md'),
      }),
    ]);
  });

  it('exits 1 from list when a skill cannot be loaded, naming the problem', async () => {
    const root = await workspace();
    const run = await runKarnel(['skills', 'list', 'broken'], { cwd: root });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(
      `${join('broken', 'Data-Cleaner', 'SKILL.md')}:2:7: error skill/name-uppercase`,
    );
    // Hermes accepts "pdf--tools"; default mode warns it is not portable, strict mode refuses it.
    expect(run.stderr).toContain(
      `${join('broken', 'pdf--tools', 'SKILL.md')}:2:7: warning skill/name-not-portable`,
    );
    const strict = await runKarnel(['skills', 'list', 'broken', '--strict'], { cwd: root });
    expect(strict.stderr).toContain(
      `${join('broken', 'pdf--tools', 'SKILL.md')}:2:7: error skill/name-consecutive-hyphens`,
    );
  });

  it('shows a skill by name, and one of its files on request', async () => {
    const root = await workspace();
    const shown = await runKarnel(['skills', 'show', 'research-arxiv-trending', 'skills'], {
      cwd: root,
    });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(
      'runs: python scripts/collect.py, network enabled, 512 MB, 120000 ms',
    );
    expect(shown.stdout).toContain('usage: 47 invocations, 91.5% successful');
    expect(shown.stdout).toContain('# arXiv trending digest');
    const file = await runKarnel(
      ['skills', 'show', 'research-arxiv-trending', 'skills', '--file', 'references/categories.md'],
      { cwd: root },
    );
    expect(file.code, file.stderr).toBe(0);
    expect(file.stdout).toBe(
      await readFile(join(root, 'skills/research-arxiv-trending/references/categories.md'), 'utf8'),
    );
    const outside = await runKarnel(
      [
        'skills',
        'show',
        'research-arxiv-trending',
        'skills',
        '--file',
        '../pdf-form-filler/SKILL.md',
      ],
      { cwd: root },
    );
    expect(outside.code, outside.stderr).toBe(1);
    expect(outside.stdout).toBe('');
    expect(outside.stderr).toContain('leaves the directory');
  });

  it('shows a skill folder given by path, as JSON', async () => {
    const root = await workspace();
    const run = await runKarnel(['skills', 'show', 'skills/workspace-search', '--format', 'json'], {
      cwd: root,
    });
    expect(run.code, run.stderr).toBe(0);
    const skill = JSON.parse(run.stdout) as {
      execution: { runtime: string; entry: string };
      files: string[];
    };
    expect(skill.execution).toMatchObject({ runtime: 'wasm', entry: 'main.wasm' });
  });

  it('suggests the closest name for an unknown skill and exits 1', async () => {
    const root = await workspace();
    const run = await runKarnel(['skills', 'show', 'csv-profile', 'skills'], { cwd: root });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('did you mean "csv-profiler"?');
  });

  it('validates: 0 for the corpus, 1 with positioned errors in strict mode and for broken skills', async () => {
    const root = await workspace();
    const valid = await runKarnel(['skills', 'validate', 'skills'], { cwd: root });
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stderr.trim()).toBe('valid: 7 skills checked, 0 errors, 0 warnings');

    const strict = await runKarnel(
      ['skills', 'validate', '--strict', 'skills/devops/github-issue-triage'],
      { cwd: root },
    );
    expect(strict.code, strict.stderr).toBe(1);
    expect(strict.stdout).toContain(
      `${join('skills/devops/github-issue-triage', 'SKILL.md')}:4:1: error skill/non-spec-field`,
    );

    const broken = await runKarnel(
      ['skills', 'validate', '--format', 'json', 'broken/entry-traversal', 'broken/wasm-no-digest'],
      { cwd: root },
    );
    expect(broken.code, broken.stderr).toBe(1);
    const diagnostics = JSON.parse(broken.stdout) as Array<{
      file: string;
      line: number;
      code: string;
    }>;
    expect(diagnostics.map(({ file, line, code }) => `${file}:${line}:${code}`)).toEqual([
      `${join('broken/entry-traversal', 'karnel.yaml')}:4:skill/entry-escapes`,
      `${join('broken/wasm-no-digest', 'karnel.yaml')}:3:skill/missing-sha256`,
    ]);

    const github = await runKarnel(
      ['skills', 'validate', '--format', 'github', 'broken/Data-Cleaner'],
      { cwd: root },
    );
    expect(github.stdout).toContain(
      '::error file=broken/Data-Cleaner/SKILL.md,line=2,col=7,title=skill/name-uppercase::',
    );
  });

  it('exits 2 on a usage error', async () => {
    const root = await workspace();
    expect((await runKarnel(['skills', 'validate'], { cwd: root })).code).toBe(2);
    expect(
      (await runKarnel(['skills', 'validate', '--format', 'xml', 'skills'], { cwd: root })).code,
    ).toBe(2);
    expect(
      (
        await runKarnel(['skills', 'import', 'skills/git-status', '--source', 'github:x'], {
          cwd: root,
        })
      ).code,
    ).toBe(2);
  });

  it('imports a skill with its provenance and refuses to overwrite it', async () => {
    const root = await workspace();
    await mkdir(join(root, 'agent'));
    await writeFile(
      join(root, 'agent/manifest.yaml'),
      'agent:\n  name: dev\ncomponents:\n  skills: "./my-skills"\n',
    );
    const first = await runKarnel(
      [
        'skills',
        'import',
        'skills/devops/github-issue-triage',
        '--agent',
        'agent',
        '--source',
        'hermeshub:github-issue-triage',
        '--run',
        'run_01HZX3J5K9V2W8Q4R7T6Y1M0NB',
      ],
      { cwd: root },
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      `imported github-issue-triage into ${join('agent', 'my-skills', 'github-issue-triage')} (hermeshub:github-issue-triage, protected)`,
    );
    const karnelYaml = await readFile(
      join(root, 'agent/my-skills/github-issue-triage/karnel.yaml'),
      'utf8',
    );
    expect(karnelYaml).toContain('source: hermeshub:github-issue-triage');
    expect(karnelYaml).toContain('created_by_run: run_01HZX3J5K9V2W8Q4R7T6Y1M0NB');
    expect(await readFile(join(root, 'agent/my-skills/github-issue-triage/SKILL.md'), 'utf8')).toBe(
      await readFile(join(root, 'skills/devops/github-issue-triage/SKILL.md'), 'utf8'),
    );

    const again = await runKarnel(
      ['skills', 'import', 'skills/devops/github-issue-triage', '--agent', 'agent'],
      { cwd: root },
    );
    expect(again.code, again.stderr).toBe(1);
    expect(again.stdout).toContain('error skill/already-exists');
    expect(
      await readFile(join(root, 'agent/my-skills/github-issue-triage/karnel.yaml'), 'utf8'),
    ).toBe(karnelYaml);

    const invalid = await runKarnel(
      ['skills', 'import', 'broken/name-mismatch', '--agent', 'agent'],
      { cwd: root },
    );
    expect(invalid.code, invalid.stderr).toBe(1);
    expect(await readdir(join(root, 'agent/my-skills'))).toEqual(['github-issue-triage']);
  });

  it('lists and validates Hermes skills nested at any depth, with Hermes names and fields', async () => {
    const root = await makeTempDir();
    await cp(join(fixtures, 'hermes-skills'), join(root, 'hermes/skills'), { recursive: true });
    const list = await runKarnel(['skills', 'list', 'hermes', '--format', 'json'], { cwd: root });
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout) as { skills: Array<{ name: string; dir: string }> };
    expect(listed.skills.map((skill) => skill.name)).toEqual([
      'comfyui',
      'google_workspace',
      'kanban-worker',
      'llama.cpp',
      'vllm',
    ]);
    const validate = await runKarnel(['skills', 'validate', 'hermes'], { cwd: root });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr.trim()).toBe('valid: 5 skills checked, 0 errors, 2 warnings');
    expect(validate.stdout).toContain(
      `${join('hermes/skills/mlops/inference/llama.cpp', 'SKILL.md')}:2:7: warning skill/name-not-portable`,
    );
    const show = await runKarnel(['skills', 'show', 'google_workspace', 'hermes'], { cwd: root });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(
      'needs credential files: google_token.json, google_client_secret.json',
    );
    const file = await runKarnel(
      ['skills', 'validate', 'hermes/skills/mlops/inference/vllm/SKILL.md'],
      { cwd: root },
    );
    expect(file.code, file.stderr).toBe(0);
    expect(file.stderr.trim()).toBe('valid: 1 skill checked, 0 errors, 0 warnings');
  });

  it('a missing path is an error, never an empty success; an empty folder draws a warning', async () => {
    const root = await workspace();
    const typo = await runKarnel(['skills', 'validate', 'skils'], { cwd: root });
    expect(typo.code, typo.stderr).toBe(1);
    expect(typo.stdout).toContain('skils:1:1: error skill/missing-root');
    expect(typo.stderr.trim()).toBe('invalid: 0 skills checked, 1 error, 0 warnings');
    const list = await runKarnel(['skills', 'list', 'skils'], { cwd: root });
    expect(list.code, list.stderr).toBe(1);
    expect(list.stderr).toContain('skils:1:1: error skill/missing-root');
    const show = await runKarnel(['skills', 'show', 'git-status', 'skils'], { cwd: root });
    expect(show.code, show.stderr).toBe(1);
    expect(show.stderr).toContain('skils:1:1: error skill/missing-root');
    await mkdir(join(root, 'empty'));
    const empty = await runKarnel(['skills', 'validate', 'empty'], { cwd: root });
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toContain('empty:1:1: warning skill/no-skills');
  });

  it('imports into the skills/ folder of an agent without a manifest, and refuses a mistyped agent', async () => {
    const root = await workspace();
    await mkdir(join(root, 'bare-agent/skills'), { recursive: true });
    const imported = await runKarnel(
      ['skills', 'import', 'skills/git-status', '--agent', 'bare-agent'],
      { cwd: root },
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(await readdir(join(root, 'bare-agent'))).toEqual(['skills']);
    expect(await readdir(join(root, 'bare-agent/skills'))).toEqual(['git-status']);

    const typo = await runKarnel(
      ['skills', 'import', 'skills/git-status', '--agent', 'bare-agnet'],
      { cwd: root },
    );
    expect(typo.code, typo.stderr).toBe(1);
    expect(typo.stderr).toContain('--agent bare-agnet: no such directory');
    expect(await readdir(root)).not.toContain('bare-agnet');

    await mkdir(join(root, 'not-an-agent'));
    const plain = await runKarnel(
      ['skills', 'import', 'skills/git-status', '--agent', 'not-an-agent'],
      { cwd: root },
    );
    expect(plain.code, plain.stderr).toBe(1);
    expect(plain.stderr).toContain('not an agent directory');
    expect(await readdir(join(root, 'not-an-agent'))).toEqual([]);
  });

  it('escapes control characters from skill files and arguments in every output', async () => {
    const root = await makeTempDir();
    await mkdir(join(root, 'skills/sneaky'), { recursive: true });
    await writeFile(
      join(root, 'skills/sneaky/SKILL.md'),
      '---\nname: sneaky\ndescription: "ok\\e[2K\\rforged \\u202e line"\n---\nBody \u001b[31m\n',
    );
    await mkdir(join(root, 'skills/evil\u001b[2K'), { recursive: true });
    await writeFile(
      join(root, 'skills/evil\u001b[2K/SKILL.md'),
      '---\nname: evil\ndescription: x\n---\n',
    );
    const list = await runKarnel(['skills', 'list', 'skills'], { cwd: root });
    const show = await runKarnel(['skills', 'show', 'sneaky', 'skills'], { cwd: root });
    const json = await runKarnel(['skills', 'list', 'skills', '--format', 'json'], { cwd: root });
    const missing = await runKarnel(['skills', 'show', 'x\u001b[2Ky', 'skills'], { cwd: root });
    for (const run of [list, show, json, missing]) {
      expect(run.stdout + run.stderr).not.toMatch(/[\u001b\r\u202e]/);
    }
    // The table folds whitespace (the \r too) into spaces; the rest is shown escaped.
    expect(list.stdout).toContain('ok\\x1b[2K forged \\u202e line');
    expect(show.stdout).toContain('description: ok\\x1b[2K\\rforged \\u202e line');
    expect(list.stderr).toContain('evil\\x1b[2K');
    expect(show.stdout).toContain('Body \\x1b[31m');
    expect(JSON.parse(json.stdout).skills[0].description).toBe('ok\u001b[2K\rforged \u202e line');
    expect(missing.stderr).toContain('x\\x1b[2Ky');
  });

  it('checks agent skills as part of karnel validate', async () => {
    const root = await copyExample('newsletter-co');
    const clean = await runKarnel(['validate', 'newsletter-co/agents/critic', '--format', 'json'], {
      cwd: root,
    });
    const skillCodes = (output: string) =>
      (JSON.parse(output) as Array<{ code: string; file: string }>).filter((diagnostic) =>
        diagnostic.file.includes(`${join('skills')}/`),
      );
    expect(skillCodes(clean.stdout)).toEqual([]);
    const skill = join(root, 'newsletter-co/agents/critic/skills/review-draft/SKILL.md');
    await writeFile(
      skill,
      (await readFile(skill, 'utf8')).replace('name: review-draft', 'name: Review-Draft'),
    );
    const broken = await runKarnel(
      ['validate', 'newsletter-co/agents/critic', '--format', 'json'],
      { cwd: root },
    );
    expect(broken.code, broken.stderr).toBe(1);
    expect(skillCodes(broken.stdout)).toEqual([
      expect.objectContaining({
        file: join('newsletter-co', 'agents', 'critic', 'skills', 'review-draft', 'SKILL.md'),
        code: 'skill/name-uppercase',
      }),
    ]);
  });
});
