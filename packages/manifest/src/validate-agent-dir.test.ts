import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateAgentDir } from './validate-agent-dir';

const here = dirname(fileURLToPath(import.meta.url));
const writer = join(here, '..', '..', '..', 'examples', 'newsletter-co', 'agents', 'writer');

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'karnel-'));
  dir = join(root, 'writer');
  await cp(writer, dir, { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function setComponents(components: string): Promise<string> {
  const path = join(dir, 'manifest.yaml');
  const text = (await readFile(path, 'utf8')).replace(
    /\ncomponents:[\s\S]*$/,
    `\ncomponents:\n${components}`,
  );
  await writeFile(path, text);
  return text;
}

function lineOf(text: string, snippet: string): number {
  const index = text.indexOf(snippet);
  expect(index).toBeGreaterThanOrEqual(0);
  return text.slice(0, index).split('\n').length;
}

describe('validateAgentDir', () => {
  it('accepts an example agent and resolves its components to absolute paths', async () => {
    const result = await validateAgentDir(dir, { displayPath: 'writer' });
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.manifest?.agent.name).toBe('ainfra-writer');
    expect(result.components).toEqual({
      memory: join(dir, 'memory'),
      skills: join(dir, 'skills'),
      ledger: join(dir, 'ledger'),
    });
    expect(result.dir).toBe(dir);
  });

  it('refuses component paths that leave the directory: "..", absolute, and symlinks', async () => {
    await mkdir(join(root, 'outside'));
    await symlink(join(root, 'outside'), join(dir, 'linked'));
    const text = await setComponents(
      '  memory: "../outside"\n  skills: "/tmp"\n  goals: "./linked"\n  ledger: "./ledger/../ledger"\n',
    );
    const result = await validateAgentDir(dir, { displayPath: 'writer' });
    expect(
      result.diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.line, diagnostic.code]),
    ).toEqual([
      ['writer/manifest.yaml', lineOf(text, '"../outside"'), 'ref/escapes'],
      ['writer/manifest.yaml', lineOf(text, '"/tmp"'), 'ref/escapes'],
      ['writer/manifest.yaml', lineOf(text, '"./linked"'), 'ref/escapes'],
    ]);
    expect(result.components).toEqual({ ledger: join(dir, 'ledger') });
  });

  it('accepts a symlink that stays inside the directory', async () => {
    await symlink(join(dir, 'memory'), join(dir, 'memory-link'));
    await setComponents('  memory: "./memory-link"\n');
    const result = await validateAgentDir(dir);
    expect(result.diagnostics).toEqual([]);
    expect(result.components.memory).toBe(join(dir, 'memory-link'));
  });

  it('reports a component that is missing or is a file', async () => {
    await writeFile(join(dir, 'goals.yaml'), 'mission: x\n');
    const text = await setComponents('  goals: "./goals.yaml"\n  ledger: "./journal"\n');
    const result = await validateAgentDir(dir, { displayPath: 'writer' });
    expect(result.diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code])).toEqual([
      [lineOf(text, 'goals.yaml'), 'ref/not-a-directory'],
      [lineOf(text, 'journal'), 'ref/not-found'],
    ]);
  });

  it('still checks components when the manifest has a schema error', async () => {
    const path = join(dir, 'manifest.yaml');
    await writeFile(
      path,
      (await readFile(path, 'utf8'))
        .replace('agent_kind: "karnel-native"', 'agent_kind: "robot"')
        .replace('"./ledger"', '"./ledgr"'),
    );
    const result = await validateAgentDir(dir);
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
      'schema/invalid-value',
      'ref/not-found',
    ]);
    expect(result.manifest).toBeUndefined();
  });

  it('reports a directory without a manifest', async () => {
    const result = await validateAgentDir(join(root, 'empty'), { displayPath: 'empty' });
    expect(result.diagnostics).toEqual([
      {
        file: 'empty/manifest.yaml',
        line: 1,
        column: 1,
        code: 'file/missing',
        severity: 'error',
        message: 'file does not exist',
      },
    ]);
    expect(result.valid).toBe(false);
  });
});
