import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, InvalidArgumentError, publicKeyToDid } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createAgentDirectory,
  createGroupDirectory,
  DirectoryExistsError,
} from './create-directory';
import { validateDirectory } from './validate-directory';

const owner = publicKeyToDid(generateKeyPair().publicKey);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createAgentDirectory and createGroupDirectory', () => {
  it('create directories that validate, with fresh ids and the given owner', async () => {
    const agent = await createAgentDirectory(join(dir, 'writer'), {
      owner,
      modelClass: 'local-private',
    });
    expect(agent.id).toMatch(/^agt_/);
    const agentCheck = await validateDirectory(agent.dir);
    expect(agentCheck.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual(
      [],
    );
    expect(agentCheck).toMatchObject({
      kind: 'agent',
      manifest: { agent: { owner, name: 'writer' } },
    });
    const group = await createGroupDirectory(join(dir, 'company'), {
      owner,
      name: 'Company "Q"',
      contact: '@owner:example.org',
    });
    expect(group.files).toContain('treasury/balances.yaml');
    const groupCheck = await validateDirectory(group.dir);
    expect(groupCheck.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual(
      [],
    );
    expect(groupCheck).toMatchObject({
      kind: 'group',
      manifest: { group: { name: 'Company "Q"' } },
    });
  });

  it('never overwrites: a non-empty folder or a file is refused and left as it was', async () => {
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken', 'notes.txt'), 'mine');
    await expect(createAgentDirectory(join(dir, 'taken'), { owner })).rejects.toSatisfy(
      DirectoryExistsError.isInstance,
    );
    expect(await readdir(join(dir, 'taken'))).toEqual(['notes.txt']);
    await writeFile(join(dir, 'file'), 'x');
    await expect(createGroupDirectory(join(dir, 'file'), { owner })).rejects.toThrow(
      /a file with this name exists/,
    );
    expect(await readFile(join(dir, 'file'), 'utf8')).toBe('x');
  });

  it('lets exactly one of several concurrent creations win; the others get DirectoryExistsError', async () => {
    const target = join(dir, 'contested');
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => createAgentDirectory(target, { owner })),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result) => result.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const loss of lost) expect(DirectoryExistsError.isInstance(loss.reason)).toBe(true);
    // No staging folder is left behind by the losers.
    expect(await readdir(dir)).toEqual(['contested']);
    const manifest = await readFile(join(target, 'manifest.yaml'), 'utf8');
    expect(manifest).toContain((won[0] as PromiseFulfilledResult<{ id: string }>).value.id);
  });

  it('refuses names with control characters, bad owners and contacts before writing anything', async () => {
    const refused = async (run: () => Promise<unknown>) => {
      await expect(run()).rejects.toSatisfy(InvalidArgumentError.isInstance);
    };
    await refused(() => createAgentDirectory(join(dir, 'a'), { owner, name: 'bad\u0000name' }));
    await refused(() => createAgentDirectory(join(dir, 'a'), { owner, name: '\u001b[2Jx' }));
    await refused(() => createAgentDirectory(join(dir, 'a'), { owner: 'someone' }));
    await refused(() => createGroupDirectory(join(dir, 'g'), { owner, contact: 'call me maybe' }));
    await refused(() =>
      createGroupDirectory(join(dir, 'g'), { owner, contact: 'javascript:alert(1)' }),
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
