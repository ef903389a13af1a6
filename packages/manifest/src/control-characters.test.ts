import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, publicKeyToDid } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isContact } from './common-schemas';
import { createAgentDirectory, createGroupDirectory } from './create-directory';
import { validateDirectory } from './validate-directory';

const owner = publicKeyToDid(generateKeyPair().publicKey);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('strings that become paths or terminal text', () => {
  it.each([
    ['a NUL', 'name: "bad\\0name"'],
    ['an escape sequence', 'name: "ok\\e[2K\\rforged"'],
    ['a line break', 'name: "two\\nlines"'],
    ['a C1 control', 'name: "csi\\u009b31m"'],
  ])('refuses an agent name with %s, at its line', async (_label, line) => {
    const agent = await createAgentDirectory(join(dir, 'agent'), { owner, name: 'placeholder' });
    const manifest = join(agent.dir, 'manifest.yaml');
    const text = (await readFile(manifest, 'utf8')).replace('name: "placeholder"', line);
    await writeFile(manifest, text);
    const result = await validateDirectory(agent.dir);
    expect(result.valid).toBe(false);
    expect(
      result.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.line]),
    ).toContainEqual([
      'text/control-character',
      text.split('\n').findIndex((candidate) => candidate.includes(line)) + 1,
    ]);
  });

  it('refuses a component path with a control character', async () => {
    const agent = await createAgentDirectory(join(dir, 'agent'), { owner });
    const manifest = join(agent.dir, 'manifest.yaml');
    await writeFile(
      manifest,
      (await readFile(manifest, 'utf8')).replace('memory: "./memory"', 'memory: "./mem\\0ory"'),
    );
    const result = await validateDirectory(agent.dir);
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toContain(
      'text/control-character',
    );
  });

  it('accepts e-mail addresses, http(s)/mailto URLs and @handles as contacts, nothing else', async () => {
    for (const good of [
      'owner@example.com',
      'https://example.com/escalations',
      'mailto:owner@example.com',
      '@alice',
      '@alice:matrix.example.org',
    ])
      expect([good, isContact(good)]).toEqual([good, true]);
    for (const bad of [
      '',
      'anything at all',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'owner@example.com\u001b[2K',
      '@',
      `${'a'.repeat(320)}@example.com`,
    ])
      expect([bad, isContact(bad)]).toEqual([bad, false]);
  });

  it('reports a group contact that is not one, at its line', async () => {
    const group = await createGroupDirectory(join(dir, 'group'), {
      owner,
      contact: 'owner@example.com',
    });
    const manifest = join(group.dir, 'manifest.yaml');
    const text = (await readFile(manifest, 'utf8')).replace(
      'contact: "owner@example.com"',
      'contact: "ring the bell twice"',
    );
    await writeFile(manifest, text);
    const result = await validateDirectory(group.dir);
    expect(result.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.line])).toEqual([
      ['contact/invalid', text.split('\n').findIndex((line) => line.includes('ring the bell')) + 1],
    ]);
  });
});
