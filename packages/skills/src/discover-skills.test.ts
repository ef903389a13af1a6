import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverSkills } from './discover-skills';
import { listOf } from './frontmatter-schema';
import { loadSkill } from './load-skill';

const hermes = resolve(import.meta.dirname, '../test/fixtures/hermes-skills');

describe('discoverSkills on a Hermes skills folder', () => {
  it('loads every nested skill with the fields Hermes writes, in default mode', async () => {
    const { skills, diagnostics } = await discoverSkills([
      { dir: hermes, displayPath: 'skills', source: 'agent' },
    ]);
    expect(skills.map((skill) => skill.name)).toEqual([
      'comfyui',
      'google_workspace',
      'kanban-worker',
      'llama.cpp',
      'vllm',
    ]);
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    // Hermes' "." and "_" names load, with a portability warning each, at the name.
    expect(
      diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.file, diagnostic.line]),
    ).toEqual([
      ['skill/name-not-portable', 'skills/mlops/inference/llama.cpp/SKILL.md', 2],
      ['skill/name-not-portable', 'skills/productivity/google_workspace/SKILL.md', 2],
    ]);

    const byName = new Map(skills.map((skill) => [skill.name, skill]));
    const vllm = byName.get('vllm')!;
    expect(vllm.dir).toBe(join(hermes, 'mlops/inference/vllm'));
    expect(listOf(vllm.frontmatter.author)).toEqual(['Orchestra Research', 'Hermes Agent']);
    expect(vllm.frontmatter.prerequisites?.commands).toEqual(['python3', 'nvidia-smi']);
    expect(byName.get('llama.cpp')!.frontmatter.prerequisites?.commands).toBe('llama-server');
    expect(byName.get('kanban-worker')!.frontmatter.environments).toEqual(['kanban']);
    const workspace = byName.get('google_workspace')!.frontmatter;
    expect(workspace.required_credential_files).toEqual([
      { path: 'google_token.json', description: 'OAuth2 token, written by scripts/setup.py' },
      'google_client_secret.json',
    ]);
    expect(workspace.setup?.help).toBe('Run scripts/setup.py once to sign in.');
    expect(workspace.setup?.collect_secrets).toEqual([
      expect.objectContaining({ env_var: 'GOOGLE_API_KEY', secret: true }),
    ]);
    expect(byName.get('comfyui')!.frontmatter.author).toEqual(['kshitijk4poor', 'alt-glitch']);
  });

  it('strict mode refuses the Hermes names and fields, positioned', async () => {
    const { skill, diagnostics } = await loadSkill(join(hermes, 'mlops/inference/llama.cpp'), {
      mode: 'strict',
      displayPath: 'llama.cpp',
    });
    expect(skill).toBeUndefined();
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ code: 'skill/name-invalid', file: 'llama.cpp/SKILL.md', line: 2 }),
    );
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ code: 'skill/non-spec-field', line: 7, severity: 'error' }),
    );
  });

  it('reports a credential file outside the Hermes home and a malformed Hermes field', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-hermes-'));
    await mkdir(join(root, 'gmail'));
    await writeFile(
      join(root, 'gmail/SKILL.md'),
      '---\nname: gmail\ndescription: Read mail.\nrequired_credential_files:\n  - path: ../.ssh/id_rsa\n  - /etc/shadow\nenvironments: 3\n---\n',
    );
    const { skill, diagnostics } = await loadSkill(join(root, 'gmail'), { displayPath: 'gmail' });
    expect(skill).toBeUndefined();
    expect(
      diagnostics.map((diagnostic) => [diagnostic.severity, diagnostic.code, diagnostic.line]),
    ).toEqual([
      ['error', 'schema/invalid-union', 7],
      ['warning', 'skill/credential-file-escapes', 5],
      ['warning', 'skill/credential-file-escapes', 6],
    ]);
  });
});
