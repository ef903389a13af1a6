import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Diagnostic } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { findSkillFolders } from './find-skill-folders';

const hermes = resolve(import.meta.dirname, '../test/fixtures/hermes-skills');

async function temporaryRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'karnel-find-'));
}

async function writeSkill(dir: string, name = dir.split('/').at(-1)!): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'SKILL.md'),
    `---\nname: ${name}\ndescription: A test skill.\n---\nDo it.\n`,
  );
}

function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map(
    (diagnostic) => `${diagnostic.severity} ${diagnostic.code} ${diagnostic.file}`,
  );
}

describe('findSkillFolders', () => {
  it('finds Hermes skills at every depth, not in hidden, excluded or resource folders', async () => {
    const { folders, diagnostics } = await findSkillFolders(hermes, { displayPath: 'skills' });
    expect(folders.map((folder) => folder.displayPath)).toEqual([
      'skills/autonomous-ai-agents/kanban-worker',
      'skills/creative/comfyui',
      'skills/mlops/inference/llama.cpp',
      'skills/mlops/inference/vllm',
      'skills/productivity/google_workspace',
    ]);
    expect(folders[3]!.dir).toBe(join(hermes, 'mlops/inference/vllm'));
    expect(diagnostics).toEqual([]);
  });

  it('reports folders past the depth limit with their path, and finds them when allowed', async () => {
    const root = await temporaryRoot();
    await writeSkill(join(root, 'a/b/c/deep-skill'));
    await writeSkill(join(root, 'a/near-skill'));
    const limited = await findSkillFolders(root, { displayPath: 'skills', maxDepth: 2 });
    expect(limited.folders.map((folder) => folder.displayPath)).toEqual(['skills/a/near-skill']);
    expect(codes(limited.diagnostics)).toEqual(['warning skill/too-deep skills/a/b/c']);
    expect(limited.diagnostics[0]!.message).toContain('deeper than 2');
    const found = await findSkillFolders(root, { displayPath: 'skills' });
    expect(found.folders.map((folder) => folder.displayPath)).toEqual([
      'skills/a/b/c/deep-skill',
      'skills/a/near-skill',
    ]);
    expect(found.diagnostics).toEqual([]);
  });

  it('stops after maxFolders folders and says where', async () => {
    const root = await temporaryRoot();
    for (const name of ['one', 'two', 'three', 'four']) await writeSkill(join(root, name));
    const { folders, diagnostics } = await findSkillFolders(root, { maxFolders: 3 });
    expect(folders).toHaveLength(2);
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['skill/too-many-folders']);
    expect(diagnostics[0]!.severity).toBe('warning');
  });

  it('never follows a symlink out of the skills folder, and reports it', async () => {
    const outside = await temporaryRoot();
    await writeSkill(join(outside, 'secret-skill'));
    const root = await temporaryRoot();
    await writeSkill(join(root, 'own-skill'));
    await symlink(join(outside, 'secret-skill'), join(root, 'linked-skill'));
    await symlink(outside, join(root, 'linked-category'));
    const { folders, diagnostics } = await findSkillFolders(root, { displayPath: 'skills' });
    expect(folders.map((folder) => folder.displayPath)).toEqual(['skills/own-skill']);
    expect(codes(diagnostics)).toEqual([
      'warning skill/symlink-outside skills/linked-category',
      'warning skill/symlink-outside skills/linked-skill',
    ]);
    expect(diagnostics[0]!.message).toContain(outside);
  });

  it('follows symlinks inside the folder once, and ends symlink loops', async () => {
    const root = await temporaryRoot();
    await writeSkill(join(root, 'tools/real-skill'));
    await symlink(join(root, 'tools'), join(root, 'also-tools'));
    await symlink(root, join(root, 'tools/loop'));
    await symlink(join(root, 'missing'), join(root, 'dangling'));
    const { folders, diagnostics } = await findSkillFolders(root, { displayPath: 'skills' });
    // "also-tools" sorts first, so the skill is found through it, with its real path.
    expect(folders).toEqual([
      { dir: join(root, 'tools/real-skill'), displayPath: 'skills/also-tools/real-skill' },
    ]);
    expect(codes(diagnostics)).toEqual([
      'info skill/symlink-loop skills/also-tools/loop',
      'warning skill/dangling-symlink skills/dangling',
      'info skill/symlink-loop skills/tools',
    ]);
    expect(diagnostics[0]!.message).toContain('leads back to skills');
  });

  it('a missing root holds no skills unless it is required; a file is an error', async () => {
    const root = await temporaryRoot();
    expect(await findSkillFolders(join(root, 'typo'))).toEqual({ folders: [], diagnostics: [] });
    const required = await findSkillFolders(join(root, 'typo'), {
      displayPath: 'typo',
      required: true,
    });
    expect(codes(required.diagnostics)).toEqual(['error skill/missing-root typo']);
    await writeFile(join(root, 'file'), 'not a folder');
    const file = await findSkillFolders(join(root, 'file'), { displayPath: 'file' });
    expect(codes(file.diagnostics)).toEqual(['error skill/root-not-a-folder file']);
  });
});

const execFileAsync = promisify(execFile);
const dist = pathToFileURL(resolve(import.meta.dirname, '../dist/index.js')).href;

/**
 * Runs discovery in a child process as an unprivileged user: as root (CI), mode 000 does not stop
 * reads, so the child imports the built package first and then drops to uid/gid 65534 (the node
 * binary itself may live where that user cannot reach). It first proves that the folder really
 * cannot be read, so the test cannot pass by accident.
 */
async function discoverAsUnprivileged(
  root: string,
  unreadable: string,
): Promise<{ denied: string; diagnostics: Diagnostic[]; skills: string[] }> {
  const script = `
    import { readdir } from 'node:fs/promises';
    const { discoverSkills } = await import(${JSON.stringify(dist)});
    if (process.getuid() === 0) { process.setgid(65534); process.setuid(65534); }
    const denied = await readdir(${JSON.stringify(unreadable)}).then(() => 'readable', (error) => error.code);
    const result = await discoverSkills([{ dir: ${JSON.stringify(root)}, displayPath: 'skills', source: 'agent' }]);
    console.log(JSON.stringify({ denied, diagnostics: result.diagnostics, skills: result.skills.map((skill) => skill.name) }));
  `;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout);
}

async function openUp(dir: string): Promise<void> {
  // mkdtemp makes 0700 folders; the unprivileged child must be able to walk to the test's files.
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await openUp(path);
    else await chmod(path, 0o644);
  }
}

describe('unreadable folders are errors, never skipped', () => {
  it('built package is present for the child process', async () => {
    expect((await stat(resolve(import.meta.dirname, '../dist/index.js'))).isFile()).toBe(true);
  });

  it('a skill folder at mode 000 is an error naming it; the other skills still load', async () => {
    const root = await temporaryRoot();
    await writeSkill(join(root, 'devops/locked-skill'));
    await writeSkill(join(root, 'devops/open-skill'));
    await openUp(root);
    await chmod(join(root, 'devops/locked-skill'), 0o000);
    const result = await discoverAsUnprivileged(root, join(root, 'devops/locked-skill'));
    await chmod(join(root, 'devops/locked-skill'), 0o755);
    expect(result.denied).toBe('EACCES');
    expect(result.skills).toEqual(['open-skill']);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: 'skills/devops/locked-skill',
        severity: 'error',
        code: 'skill/unreadable-folder',
      }),
    ]);
  });

  it('a skills folder at mode 000 is an error naming it', async () => {
    const parent = await temporaryRoot();
    const root = join(parent, 'skills');
    await writeSkill(join(root, 'some-skill'));
    await openUp(parent);
    await chmod(root, 0o000);
    const result = await discoverAsUnprivileged(root, root);
    await chmod(root, 0o755);
    expect(result.denied).toBe('EACCES');
    expect(result.skills).toEqual([]);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: 'skills',
        severity: 'error',
        code: 'skill/unreadable-folder',
      }),
    ]);
  });
});
