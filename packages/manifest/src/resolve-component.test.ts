import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, publicKeyToDid } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentDirectory, createGroupDirectory } from './create-directory';
import { resolveComponent } from './resolve-component';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..', '..', '..', 'examples', 'newsletter-co');
const owner = publicKeyToDid(generateKeyPair().publicKey);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveComponent', () => {
  it('resolves the declared folders of the example group and of one of its agents', async () => {
    expect(await resolveComponent(example, 'treasury')).toEqual({
      ok: true,
      kind: 'group',
      dir: example,
      path: join(example, 'treasury'),
      declared: true,
      exists: true,
    });
    const critic = join(example, 'agents', 'critic');
    expect(await resolveComponent(critic, 'skills')).toMatchObject({
      ok: true,
      kind: 'agent',
      path: join(critic, 'skills'),
    });
  });

  it('falls back to ./<name> when the manifest does not name the component', async () => {
    await createAgentDirectory(join(dir, 'agent'), { owner });
    const manifest = join(dir, 'agent', 'manifest.yaml');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(manifest, 'utf8');
    await writeFile(manifest, text.replace(/components:[\s\S]*$/, ''));
    expect(await resolveComponent(join(dir, 'agent'), 'goals')).toMatchObject({
      ok: true,
      path: join(dir, 'agent', 'goals'),
      declared: false,
      exists: false,
    });
  });

  it('tells a group by its group block, even one whose group block is null or broken', async () => {
    await createGroupDirectory(join(dir, 'group'), { owner });
    const manifest = join(dir, 'group', 'manifest.yaml');
    await writeFile(
      manifest,
      'karnel_spec_version: "0.2"\ngroup:\nmission: x\ncomponents:\n  ledger: "./records"\n',
    );
    expect(await resolveComponent(join(dir, 'group'), 'ledger')).toMatchObject({
      ok: true,
      kind: 'group',
      path: join(dir, 'group', 'records'),
      declared: true,
    });
  });

  it('refuses, with a positioned diagnostic, a component that leaves the directory', async () => {
    await createAgentDirectory(join(dir, 'agent'), { owner });
    const manifest = join(dir, 'agent', 'manifest.yaml');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(manifest, 'utf8');
    await writeFile(manifest, text.replace('ledger: "./ledger"', 'ledger: "../elsewhere"'));
    const result = await resolveComponent(join(dir, 'agent'), 'ledger', { displayPath: 'agent' });
    expect(result).toMatchObject({
      ok: false,
      diagnostics: [{ file: join('agent', 'manifest.yaml'), code: 'ref/escapes' }],
    });
    expect(result.ok ? 0 : result.diagnostics[0]!.line).toBe(
      text.split('\n').findIndex((line) => line.includes('ledger: "./ledger"')) + 1,
    );
    await mkdir(join(dir, 'outside'));
    await writeFile(manifest, text);
    await rm(join(dir, 'agent', 'ledger'), { recursive: true });
    await symlink(join(dir, 'outside'), join(dir, 'agent', 'ledger'));
    expect(await resolveComponent(join(dir, 'agent'), 'ledger')).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'ref/escapes' }],
    });
  });

  it('explains a missing directory, a folder without a manifest, and a component of the other kind', async () => {
    const codes = async (path: string, name: 'skills' | 'ledger') => {
      const result = await resolveComponent(path, name);
      return result.ok ? [] : result.diagnostics.map((diagnostic) => diagnostic.code);
    };
    expect(await codes(join(dir, 'typo'), 'ledger')).toEqual(['path/not-found']);
    expect(await codes(dir, 'ledger')).toEqual(['file/missing']);
    expect(await codes(example, 'skills')).toEqual(['component/not-applicable']);
  });
});
