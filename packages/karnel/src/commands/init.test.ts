import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSigner, generateKeyPair, isId } from '@karnel/core';
import { loadAgentManifest, loadGroupManifest } from '@karnel/manifest';
import { describe, expect, it } from 'vitest';
import { type KarnelRun, runKarnel, useTempDir, writeKeyFile } from '../../test/run-karnel';

let root: string;
useTempDir((path) => {
  root = path;
});

/** Runs the CLI in the test's folder, with a `KARNEL_HOME` of its own so new keys land there. */
function karnel(args: readonly string[]): Promise<KarnelRun> {
  return runKarnel(args, { cwd: root, env: { KARNEL_HOME: join(root, 'home') } });
}

describe('karnel init', () => {
  it('creates an agent that karnel validate accepts, with a fresh id and a new owner key kept outside it', async () => {
    const first = await karnel(['init', 'agent', 'scout']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^created agent scout \(agt_[0-9A-Z]{26}\)\n$/);
    const second = await karnel([
      'init',
      'agent',
      'scout-2',
      '--model-class',
      'local-private',
      '--name',
      'Scout Two',
    ]);
    expect(second.code).toBe(0);
    const one = (await loadAgentManifest(join(root, 'scout', 'manifest.yaml'))).value!;
    const two = (await loadAgentManifest(join(root, 'scout-2', 'manifest.yaml'))).value!;
    expect(isId(one.agent.id, 'agt')).toBe(true);
    expect(one.agent.id).not.toBe(two.agent.id);
    expect(one.agent.owner).not.toBe(two.agent.owner);
    expect(one.agent.name).toBe('scout');
    expect(two.agent.name).toBe('Scout Two');
    expect(two.runtime_requirements.model_class).toBe('local-private');
    expect((await readdir(join(root, 'scout'))).sort()).toEqual([
      'ledger',
      'manifest.yaml',
      'memory',
      'skills',
    ]);
    const keys = await readdir(join(root, 'home', 'keys'));
    expect(keys).toHaveLength(2);
    const keyPath = join(root, 'home', 'keys', `${one.agent.owner.slice('did:key:'.length)}.key`);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect(first.stderr).toContain(keyPath);
    const validate = await karnel(['validate', 'scout', 'scout-2']);
    expect(validate.stdout).not.toMatch(/: error /);
    expect(validate.code).toBe(0);
  });

  it('creates a group that karnel validate accepts, with the human owner as escalation contact', async () => {
    const run = await karnel(['init', 'group', 'studio', '--contact', 'me@example.com']);
    expect(run.code).toBe(0);
    const group = (await loadGroupManifest(join(root, 'studio', 'manifest.yaml'))).value!;
    expect(isId(group.group.id, 'grp')).toBe(true);
    expect(group.members).toEqual([
      {
        role: 'human_owner',
        agent_kind: 'human',
        contact: 'me@example.com',
        escalation_only: true,
      },
    ]);
    const plain = await karnel(['init', 'group', 'lab']);
    expect(plain.code).toBe(0);
    const validate = await karnel(['validate', 'studio', 'lab']);
    expect(validate.stdout).not.toMatch(/: error /);
    expect(validate.code).toBe(0);
  });

  it('uses the owner given by --owner or --owner-key and then writes no key', async () => {
    const signer = createSigner(generateKeyPair().secretKey);
    expect((await karnel(['init', 'agent', 'a', '--owner', signer.did])).code).toBe(0);
    expect((await loadAgentManifest(join(root, 'a', 'manifest.yaml'))).value?.agent.owner).toBe(
      signer.did,
    );
    const pair = await writeKeyFile(join(root, 'owner.key'));
    expect((await karnel(['init', 'group', 'g', '--owner-key', 'owner.key'])).code).toBe(0);
    expect((await loadGroupManifest(join(root, 'g', 'manifest.yaml'))).value?.group.owner).toBe(
      createSigner(pair.secretKey).did,
    );
    await expect(stat(join(root, 'home'))).rejects.toThrow();
  });

  it('refuses to overwrite an existing directory or file, and leaves it untouched', async () => {
    await mkdir(join(root, 'taken'));
    await writeFile(join(root, 'taken', 'notes.txt'), 'mine');
    const run = await karnel(['init', 'agent', 'taken']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('never overwrites');
    expect(await readdir(join(root, 'taken'))).toEqual(['notes.txt']);
    expect(await readFile(join(root, 'taken', 'notes.txt'), 'utf8')).toBe('mine');
    await writeFile(join(root, 'file'), 'x');
    expect((await karnel(['init', 'group', 'file'])).code).toBe(1);
    await expect(stat(join(root, 'home'))).rejects.toThrow();
    await mkdir(join(root, 'empty'));
    expect((await karnel(['init', 'group', 'empty'])).code).toBe(0);
    expect(await readdir(root)).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/\.init-/)]),
    );
  });

  it('lets one of several concurrent inits win; each loser says so in one line and exits 1', async () => {
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => karnel(['init', 'group', 'contested'])),
    );
    expect(runs.filter((run) => run.code === 0)).toHaveLength(1);
    for (const run of runs.filter((candidate) => candidate.code !== 0)) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^error: contested: (another process created it first \(a concurrent init\?\)|the directory exists and is not empty); karnel init never overwrites\n$/,
      );
    }
    // Only the winner's owner key was kept.
    expect(await readdir(join(root, 'home', 'keys'))).toHaveLength(1);
    expect((await readdir(root)).filter((name) => name.includes('.init-'))).toEqual([]);
  });

  it('exits 2 on bad options and documents every subcommand', async () => {
    expect((await karnel(['init', 'agent', 'x', '--model-class', 'gpt-5'])).code).toBe(2);
    expect((await karnel(['init', 'agent', 'x', '--owner', 'alice'])).code).toBe(2);
    const contact = await karnel(['init', 'group', 'x', '--contact', 'call me']);
    expect(contact.code).toBe(2);
    expect(contact.stderr).toContain('is not an e-mail address');
    const missingKey = await karnel(['init', 'agent', 'x', '--owner-key', 'nowhere.key']);
    expect(missingKey.code).toBe(2);
    expect(missingKey.stderr).toContain(
      'error: --owner-key nowhere.key: no such key file; create one with "karnel keys generate nowhere.key"',
    );
    expect((await karnel(['init', 'robot', 'x'])).code).toBe(2);
    expect((await karnel(['init', 'agent'])).code).toBe(2);
    await expect(stat(join(root, 'x'))).rejects.toThrow();
    for (const args of [
      ['init', '--help'],
      ['init', 'agent', '--help'],
      ['init', 'group', '--help'],
    ]) {
      const help = await karnel(args);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: karnel init');
    }
    expect((await karnel(['init', 'group', '--help'])).stdout).toContain('--contact <address>');
  });
});
