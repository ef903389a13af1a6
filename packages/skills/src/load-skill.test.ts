import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Diagnostic, hasErrors, sha256Hex } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listAllowedTools } from './frontmatter-schema';
import { loadSkill } from './load-skill';

const corpus = resolve(import.meta.dirname, '../test/fixtures/skills');
const broken = resolve(import.meta.dirname, '../test/fixtures/skills-broken');

/** The 1-based line of the first line of `file` that contains `text`. */
async function lineOf(file: string, text: string): Promise<number> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const index = lines.findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`"${text}" is not in ${file}`);
  return index + 1;
}

function errors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
}

async function temporarySkill(
  name: string,
  files: Record<string, string | Uint8Array>,
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'karnel-'));
  const dir = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('loadSkill on the fixture corpus', () => {
  it('reads a plain Agent Skills skill with every specification field, valid in strict mode too', async () => {
    const dir = join(corpus, 'pdf-form-filler');
    for (const mode of ['default', 'strict'] as const) {
      const { skill, diagnostics } = await loadSkill(dir, { mode });
      expect(diagnostics).toEqual([]);
      expect(skill?.name).toBe('pdf-form-filler');
      expect(skill?.dir).toBe(dir);
      expect(skill?.frontmatter.license).toBe('Proprietary. LICENSE.txt has the complete terms');
      expect(skill?.frontmatter.compatibility).toMatch(/^Needs Python 3\.11/);
      expect(skill?.frontmatter.metadata).toEqual({ author: 'example-docs-team', version: '2.1' });
      expect(listAllowedTools(skill?.frontmatter['allowed-tools'])).toEqual([
        'Bash(python:*)',
        'Read',
        'Write',
      ]);
      expect(skill?.folders).toEqual({
        scripts: true,
        references: true,
        assets: true,
        templates: false,
      });
      expect(skill?.body.startsWith('\n# Filling PDF forms')).toBe(true);
      expect(skill?.bodyLine).toBe(
        (await lineOf(join(dir, 'SKILL.md'), '# Filling PDF forms')) - 1,
      );
      expect(skill?.execution).toBeUndefined();
      expect(skill?.karnel).toBeUndefined();
      expect(skill?.format).toBe('skill-md');
    }
  });

  it('accepts allowed-tools written as a YAML list', async () => {
    const { skill, diagnostics } = await loadSkill(join(corpus, 'changelog-writer'), {
      mode: 'strict',
    });
    expect(diagnostics).toEqual([]);
    expect(listAllowedTools(skill?.frontmatter['allowed-tools'])).toEqual([
      'Bash(git log:*)',
      'Bash(git describe:*)',
      'Read',
    ]);
  });

  it('keeps every Hermes Agent field in default mode', async () => {
    const { skill, diagnostics } = await loadSkill(join(corpus, 'devops/github-issue-triage'));
    expect(diagnostics).toEqual([]);
    const frontmatter = skill!.frontmatter;
    expect(frontmatter.version).toBe('1.3.0');
    expect(frontmatter.author).toBe('Example Maintainers');
    expect(frontmatter.license).toBe('MIT');
    expect(frontmatter.platforms).toEqual(['linux', 'macos']);
    expect(frontmatter.required_environment_variables).toEqual([
      {
        name: 'GITHUB_TOKEN',
        prompt: 'A GitHub token with the repo scope',
        help: 'Create one under Settings > Developer settings > Personal access tokens',
        required_for: 'reading and labelling issues',
      },
      'GITHUB_REPOSITORY',
    ]);
    expect(frontmatter.metadata?.hermes).toEqual({
      tags: ['github', 'issues', 'triage'],
      category: 'devops',
      related_skills: ['changelog-writer'],
      requires_toolsets: ['terminal'],
      requires_tools: ['terminal'],
      fallback_for_toolsets: ['github'],
      fallback_for_tools: ['github_mcp'],
      config: [
        {
          key: 'triage.default_label',
          description: 'Label added to every issue that was looked at',
          default: 'triaged',
          prompt: 'Which label marks an issue as triaged?',
        },
      ],
    });
    expect(skill?.folders.templates).toBe(true);
  });

  it('reports each Hermes field as outside the specification in strict mode, at its line', async () => {
    const file = join(corpus, 'devops/github-issue-triage/SKILL.md');
    const { skill, diagnostics } = await loadSkill(join(corpus, 'devops/github-issue-triage'), {
      mode: 'strict',
    });
    expect(skill).toBeUndefined();
    const nonSpec = diagnostics.filter((diagnostic) => diagnostic.code === 'skill/non-spec-field');
    expect(nonSpec.map(({ line, column, severity }) => ({ line, column, severity }))).toEqual([
      { line: await lineOf(file, 'version:'), column: 1, severity: 'error' },
      { line: await lineOf(file, 'author:'), column: 1, severity: 'error' },
      { line: await lineOf(file, 'platforms:'), column: 1, severity: 'error' },
      { line: await lineOf(file, 'required_environment_variables:'), column: 1, severity: 'error' },
    ]);
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'skill/metadata-not-string',
        severity: 'warning',
        line: await lineOf(file, '  hermes:'),
        column: 3,
      }),
    );
  });

  it('reads karnel.yaml provenance, usage, attribution and execution', async () => {
    const dir = join(corpus, 'research-arxiv-trending');
    const { skill, diagnostics } = await loadSkill(dir);
    expect(diagnostics).toEqual([]);
    expect(skill?.karnel?.provenance).toEqual({
      source: 'self-authored',
      created_at: '2026-04-12T09:30:00Z',
      created_by_run: 'run_01HZX3J5K9V2W8Q4R7T6Y1M0NB',
    });
    expect(skill?.karnel?.usage?.total_invocations).toBe(47);
    expect(skill?.karnel?.usage?.success_rate).toBe(0.9149);
    expect(skill?.karnel?.usage?.last_outcome_id).toMatch(/^out_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(skill?.karnel?.attribution?.contributed_to_outcomes).toEqual([
      'ledger/run_07',
      'ledger/run_12',
    ]);
    expect(skill?.execution).toEqual({
      runtime: 'python',
      entry: 'scripts/collect.py',
      entryAbsolute: join(dir, 'scripts/collect.py'),
      capabilities_required: ['net:export.arxiv.org', 'fs.write:./cache/**'],
      sandbox: {
        network: 'enabled',
        max_memory_mb: 512,
        timeout_ms: 120000,
        filesystem: { read: ['references/**'], write: ['cache/**'] },
      },
    });
    expect(skill?.protected).toBe(false);
  });

  it('reads a standalone Karneleon *.skill.json, with the default wasm entry and sandbox defaults', async () => {
    const dir = join(corpus, 'workspace-search');
    const { skill, diagnostics } = await loadSkill(dir);
    expect(diagnostics).toEqual([]);
    expect(skill?.format).toBe('skill-json');
    expect(skill?.name).toBe('workspace-search');
    expect(skill?.frontmatter.version).toBe('1.0.0');
    expect(skill?.body).toBe('');
    expect(skill?.rawFrontmatter.metadata).toEqual({
      emoji: '🔎',
      tags: ['code', 'workspace', 'search'],
    });
    expect(skill?.execution).toEqual({
      runtime: 'wasm',
      entry: 'main.wasm',
      entryAbsolute: join(dir, 'main.wasm'),
      sha256: sha256Hex(await readFile(join(dir, 'main.wasm'))),
      capabilities_required: ['fs.read:./**'],
      sandbox: { network: 'disabled', max_memory_mb: 128, timeout_ms: 30000 },
    });
  });

  it('protects a skill whose provenance names a hub, and defaults a node entry to scripts/main.mjs', async () => {
    const dir = join(corpus, 'csv-profiler');
    const { skill, diagnostics } = await loadSkill(dir, { source: 'agent' });
    expect(diagnostics).toEqual([]);
    expect(skill?.protected).toBe(true);
    expect(skill?.execution?.entry).toBe('scripts/main.mjs');
    expect(skill?.execution?.entryAbsolute).toBe(join(dir, 'scripts/main.mjs'));
    expect(skill?.execution?.sandbox).toEqual({
      network: 'disabled',
      max_memory_mb: 256,
      timeout_ms: 10000,
    });
  });

  it('reads a native operation without a file', async () => {
    const { skill, diagnostics } = await loadSkill(join(corpus, 'git-status'));
    expect(diagnostics).toEqual([]);
    expect(skill?.execution).toEqual({
      runtime: 'native',
      entry: 'git.status',
      capabilities_required: ['shell.exec:git', 'fs.read:./**'],
      sandbox: { network: 'disabled', max_memory_mb: 256, timeout_ms: 5000 },
    });
  });

  it('shows the display path in diagnostics', async () => {
    const { diagnostics } = await loadSkill(join(broken, 'name-mismatch'), {
      displayPath: 'skills/name-mismatch',
    });
    expect(diagnostics[0]?.file).toBe('skills/name-mismatch/SKILL.md');
  });
});

describe('loadSkill on broken skills', () => {
  const cases: Array<{
    folder: string;
    code: string;
    file: string;
    line: number;
    column?: number;
    mode?: 'strict';
  }> = [
    { folder: 'name-mismatch', code: 'skill/name-mismatch', file: 'SKILL.md', line: 2, column: 7 },
    { folder: 'Data-Cleaner', code: 'skill/name-uppercase', file: 'SKILL.md', line: 2, column: 7 },
    {
      folder: 'pdf--tools',
      code: 'skill/name-consecutive-hyphens',
      file: 'SKILL.md',
      line: 2,
      column: 7,
      mode: 'strict',
    },
    {
      folder: 'description-too-long',
      code: 'skill/description-too-long',
      file: 'SKILL.md',
      line: 3,
      column: 14,
    },
    {
      folder: 'unknown-runtime',
      code: 'schema/invalid-value',
      file: 'karnel.yaml',
      line: 3,
      column: 12,
    },
    {
      folder: 'wasm-no-digest',
      code: 'skill/missing-sha256',
      file: 'karnel.yaml',
      line: 3,
      column: 12,
    },
    {
      folder: 'entry-traversal',
      code: 'skill/entry-escapes',
      file: 'karnel.yaml',
      line: 4,
      column: 10,
    },
    {
      folder: 'missing-frontmatter',
      code: 'skill/missing-frontmatter',
      file: 'SKILL.md',
      line: 1,
      column: 1,
    },
    {
      folder: 'bad-capability',
      code: 'skill/invalid-capability',
      file: 'karnel.yaml',
      line: 6,
      column: 7,
    },
    {
      folder: 'sha256-mismatch',
      code: 'skill/sha256-mismatch',
      file: 'karnel.yaml',
      line: 4,
      column: 11,
    },
    {
      folder: 'json-name-mismatch',
      code: 'skill/name-mismatch',
      file: 'search.skill.json',
      line: 2,
      column: 11,
    },
    {
      folder: 'bad-provenance',
      code: 'skill/invalid-provenance-source',
      file: 'karnel.yaml',
      line: 3,
      column: 11,
    },
    { folder: 'bad-provenance', code: 'time/invalid', file: 'karnel.yaml', line: 4, column: 15 },
  ];

  for (const { folder, code, file, line, column, mode } of cases) {
    it(`${folder}: ${code} at ${file}:${line}${mode ? ` (${mode})` : ''}`, async () => {
      const { skill, diagnostics } = await loadSkill(join(broken, folder), {
        displayPath: folder,
        ...(mode ? { mode } : {}),
      });
      expect(skill).toBeUndefined();
      expect(diagnostics).toContainEqual(
        expect.objectContaining({
          code,
          severity: 'error',
          file: join(folder, file),
          line,
          ...(column ? { column } : {}),
        }),
      );
    });
  }

  it('names the unknown runtime and suggests nothing absurd', async () => {
    const { diagnostics } = await loadSkill(join(broken, 'unknown-runtime'));
    const diagnostic = diagnostics.find((candidate) => candidate.code === 'schema/invalid-value');
    expect(diagnostic?.message).toContain('"ruby"');
    expect(diagnostic?.message).toContain('"wasm"');
  });

  it('suggests the digest of the module when a wasm skill declares none', async () => {
    const { diagnostics } = await loadSkill(join(broken, 'wasm-no-digest'));
    const digest = sha256Hex(await readFile(join(broken, 'wasm-no-digest/main.wasm')));
    expect(diagnostics.find((candidate) => candidate.code === 'skill/missing-sha256')?.hint).toBe(
      `sha256: ${digest}`,
    );
  });
});

describe('loadSkill edge cases', () => {
  it('reports a YAML syntax error at its line in SKILL.md', async () => {
    const dir = await temporarySkill('yaml-error', {
      'SKILL.md': '---\nname: yaml-error\ndescription: fine\nmetadata: {a: [1, 2}\n---\nbody\n',
    });
    const { skill, diagnostics } = await loadSkill(dir);
    expect(skill).toBeUndefined();
    expect(errors(diagnostics)[0]?.code).toMatch(/^yaml\//);
    expect(errors(diagnostics)[0]?.line).toBe(4);
  });

  it('reports an unclosed frontmatter', async () => {
    const dir = await temporarySkill('unclosed', {
      'SKILL.md': '---\nname: unclosed\ndescription: never closed\n',
    });
    expect((await loadSkill(dir)).diagnostics).toContainEqual(
      expect.objectContaining({ code: 'skill/unclosed-frontmatter' }),
    );
  });

  it('accepts CRLF line endings and a byte order mark', async () => {
    const dir = await temporarySkill('windows-skill', {
      'SKILL.md':
        '\uFEFF---\r\nname: windows-skill\r\ndescription: written on Windows\r\n---\r\n# Title\r\n',
    });
    const { skill, diagnostics } = await loadSkill(dir);
    expect(diagnostics).toEqual([]);
    expect(skill?.description).toBe('written on Windows');
    expect(skill?.bodyLine).toBe(5);
  });

  it('warns about an unknown field in default mode and refuses it in strict mode', async () => {
    const dir = await temporarySkill('typo-skill', {
      'SKILL.md': '---\nname: typo-skill\ndescription: has a typo\nlicence: MIT\n---\n',
    });
    const relaxed = await loadSkill(dir);
    expect(relaxed.skill).toBeDefined();
    expect(relaxed.diagnostics).toEqual([
      expect.objectContaining({
        code: 'schema/unknown-field',
        severity: 'warning',
        line: 4,
        column: 1,
        hint: 'did you mean "license"?',
      }),
    ]);
    expect(relaxed.skill?.rawFrontmatter.licence).toBe('MIT');
    const strict = await loadSkill(dir, { mode: 'strict' });
    expect(strict.skill).toBeUndefined();
    expect(strict.diagnostics).toEqual([
      expect.objectContaining({
        code: 'skill/unknown-field',
        severity: 'error',
        line: 4,
        column: 1,
      }),
    ]);
  });

  it('counts description length in characters, not UTF-16 units', async () => {
    const dir = await temporarySkill('emoji-skill', {
      'SKILL.md': `---\nname: emoji-skill\ndescription: ${'🔎'.repeat(1024)}\n---\n`,
    });
    expect((await loadSkill(dir)).diagnostics).toEqual([]);
    await writeFile(
      join(dir, 'SKILL.md'),
      `---\nname: emoji-skill\ndescription: ${'🔎'.repeat(1025)}\n---\n`,
    );
    expect((await loadSkill(dir)).diagnostics).toEqual([
      expect.objectContaining({ code: 'skill/description-too-long', line: 3 }),
    ]);
  });

  it('reports missing required fields', async () => {
    const dir = await temporarySkill('no-description', {
      'SKILL.md': '---\nname: no-description\n---\n',
    });
    expect((await loadSkill(dir)).diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'schema/missing-field',
        message: expect.stringContaining('description'),
      }),
    );
  });

  it('refuses an entry that is a symlink leading out of the skill folder', async () => {
    const dir = await temporarySkill('symlinked', {
      'SKILL.md': '---\nname: symlinked\ndescription: its script is a symlink\n---\n',
      'karnel.yaml':
        'karnel_skill_version: "0.2"\nexecution:\n  runtime: node\n  entry: scripts/run.mjs\n',
    });
    const outside = join(dir, '..', 'outside.mjs');
    await writeFile(outside, 'export {};\n');
    await mkdir(join(dir, 'scripts'));
    await symlink(outside, join(dir, 'scripts/run.mjs'));
    const { diagnostics } = await loadSkill(dir);
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'skill/entry-escapes',
        file: join(dir, 'karnel.yaml'),
        line: 4,
      }),
    );
  });

  it('refuses a missing entry, a wrong extension and a filesystem path that climbs out', async () => {
    const dir = await temporarySkill('several-problems', {
      'SKILL.md': '---\nname: several-problems\ndescription: many mistakes\n---\n',
      'karnel.yaml': [
        'karnel_skill_version: "0.2"',
        'execution:',
        '  runtime: python',
        '  entry: scripts/run.js',
        '  sandbox:',
        '    filesystem:',
        '      write: ["../../etc/**"]',
        '',
      ].join('\n'),
    });
    const codes = errors((await loadSkill(dir)).diagnostics).map(
      ({ code, line }) => `${code}@${line}`,
    );
    expect(codes).toEqual([
      'skill/entry-missing@4',
      'skill/entry-extension@4',
      'skill/filesystem-escapes@7',
    ]);
  });

  it('refuses two execution manifests', async () => {
    const dir = await temporarySkill('two-manifests', {
      'SKILL.md': '---\nname: two-manifests\ndescription: both\n---\n',
      'karnel.yaml': 'karnel_skill_version: "0.2"\nexecution:\n  runtime: native\n',
      'two-manifests.skill.json':
        '{"name": "two-manifests", "description": "both", "runtime": "native"}',
    });
    expect((await loadSkill(dir)).diagnostics).toContainEqual(
      expect.objectContaining({ code: 'skill/duplicate-execution', line: 2 }),
    );
  });

  it('warns when a capability needs the network the sandbox disables', async () => {
    const dir = await temporarySkill('offline', {
      'SKILL.md': '---\nname: offline\ndescription: wants the net\n---\n',
      'karnel.yaml':
        'karnel_skill_version: "0.2"\nexecution:\n  runtime: native\n  capabilities_required: ["net:api.github.com"]\n',
    });
    const { skill, diagnostics } = await loadSkill(dir);
    expect(skill).toBeDefined();
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'skill/network-disabled', severity: 'warning', line: 4 }),
    ]);
  });

  it('never throws for a missing folder, a file, a binary SKILL.md or an oversized one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-'));
    expect((await loadSkill(join(root, 'nothing'))).diagnostics[0]?.code).toBe(
      'skill/missing-folder',
    );
    await writeFile(join(root, 'file'), 'x');
    expect((await loadSkill(join(root, 'file'))).diagnostics[0]?.code).toBe('skill/not-a-folder');
    const binary = await temporarySkill('binary', {
      'SKILL.md': new Uint8Array([0xff, 0xfe, 0x00, 0x41]),
    });
    expect((await loadSkill(binary)).diagnostics[0]?.code).toBe('file/not-utf8');
    const big = await temporarySkill('big', {
      'SKILL.md': `---\nname: big\ndescription: big\n---\n${'x'.repeat(2048)}`,
    });
    expect((await loadSkill(big, { maxBytes: 1024 })).diagnostics[0]?.code).toBe('file/too-large');
    const empty = await temporarySkill('empty', { 'notes.txt': 'no skill here' });
    expect((await loadSkill(empty)).diagnostics[0]?.code).toBe('skill/missing-skill-md');
  });

  it('never throws and returns a skill exactly when there is no error, whatever SKILL.md holds', async () => {
    const dir = await temporarySkill('fuzzed', {});
    const fragments = [
      '---',
      '\n',
      'name: fuzzed',
      'name: Fuzzed',
      'description: ',
      'x',
      ': ',
      '- ',
      '[',
      '{',
      '"',
      'metadata:',
      '  hermes: 1',
      'version: 1.0',
      '...',
      '#',
      '\t',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.array(fc.constantFrom(...fragments)).map((parts) => parts.join('')),
        ),
        async (text) => {
          await writeFile(join(dir, 'SKILL.md'), text);
          for (const mode of ['default', 'strict'] as const) {
            const result = await loadSkill(dir, { mode });
            expect(result.skill === undefined).toBe(hasErrors(result.diagnostics));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
