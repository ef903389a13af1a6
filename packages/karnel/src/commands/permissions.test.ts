import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, publicKeyToDid } from '@karnel/core';
import { createAgentDirectory, createGroupDirectory } from '@karnel/manifest';
import { afterEach, describe, expect, it } from 'vitest';
import { copyExample, runKarnel, useTempDir } from '../../test/run-karnel';
import { runKarnelUnprivileged, shareWithUnprivileged } from '../../test/unprivileged';

const owner = publicKeyToDid(generateKeyPair().publicKey);

let dir: string;
useTempDir((path) => {
  dir = path;
});

// Paths a test locked, unlocked again so the temp folder can be removed by a non-root user.
const locked: string[] = [];
async function lock(path: string, mode = 0o000): Promise<void> {
  locked.push(path);
  await chmod(path, mode);
}
afterEach(async () => {
  for (const path of locked.splice(0).reverse()) await chmod(path, 0o755).catch(() => undefined);
});

async function validate(target: string) {
  await shareWithUnprivileged(dir);
  return runKarnelUnprivileged(['validate', target], { cwd: dir });
}

describe('paths the user running karnel cannot read or write', () => {
  it.each(['memory', 'skills'])(
    'validate reports an agent whose %s/ is unreadable as an error at that folder',
    async (component) => {
      await createAgentDirectory(join(dir, 'agent'), { owner });
      await lock(join(dir, 'agent', component));
      const run = await validate('agent');
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        `agent/${component}:1:1: error fs/unreadable: cannot read agent/${component}: permission denied`,
      );
      expect(run.stderr).toMatch(/^invalid: 1 directory checked, 1 error/m);
      expect(run.stdout).not.toContain('check/crashed');
    },
  );

  it('validate reports an unreadable group ledger and balances.yaml, never check/crashed', async () => {
    await createGroupDirectory(join(dir, 'group'), { owner });
    await lock(join(dir, 'group', 'ledger'));
    await lock(join(dir, 'group', 'treasury', 'balances.yaml'));
    const run = await validate('group');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('group/ledger:1:1: error fs/unreadable: cannot read group/ledger');
    expect(run.stdout).toContain(
      'group/treasury/balances.yaml:1:1: error fs/unreadable: cannot read group/treasury/balances.yaml',
    );
    expect(run.stdout).not.toContain('check/crashed');
  });

  it('ledger append to a ledger this user cannot write is one clear error, and nothing changes', async () => {
    const ledger = join(dir, 'ledger');
    await mkdir(ledger);
    const first = await runKarnel(['ledger', 'append', ledger, '-'], {
      stdin: '{"type":"note.added","body":{"text":"first"}}',
    });
    expect(first.code).toBe(0);
    const before = await readFile(join(ledger, 'chain.jsonl'), 'utf8');
    // Root's files are read-only to nobody as they are; a non-root owner locks them itself.
    if (!(process.getuid?.() === 0)) {
      await lock(join(ledger, 'chain.jsonl'), 0o444);
      await lock(ledger, 0o555);
    }
    await shareWithUnprivileged(dir);
    const run = await runKarnelUnprivileged(['ledger', 'append', 'ledger', '-'], {
      cwd: dir,
      stdin: '{"type":"note.added","body":{"text":"second"}}',
    });
    expect(run.code).toBe(1);
    // One line naming the ledger, the system error and that it is read-only.
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: .*ledger.*\(E(ACCES|PERM)\).*read-only/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(await readFile(join(ledger, 'chain.jsonl'), 'utf8')).toBe(before);
  });

  it('ledger verify and log of an unreadable ledger fail with exit 1 and no stack trace', async () => {
    const ledger = join(dir, 'ledger');
    await mkdir(ledger);
    await writeFile(join(dir, 'note.json'), '{"type":"note.added","body":{}}');
    expect((await runKarnel(['ledger', 'append', ledger, join(dir, 'note.json')])).code).toBe(0);
    await lock(ledger);
    await shareWithUnprivileged(dir);
    for (const command of ['verify', 'log']) {
      const run = await runKarnelUnprivileged(['ledger', command, 'ledger'], { cwd: dir });
      expect([command, run.code]).toEqual([command, 1]);
      expect(run.stderr).toBe('error: ledger: cannot be read (permission denied)\n');
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).not.toContain('intact');
    }
  });
  it('an unreadable curator.yaml or member file is a file/unreadable diagnostic at that file, not a thrown EACCES', async () => {
    await createGroupDirectory(join(dir, 'group'), { owner });
    await writeFile(join(dir, 'group', 'curator.yaml'), 'pinned: []\n');
    await lock(join(dir, 'group', 'curator.yaml'));
    await shareWithUnprivileged(dir);
    const curator = await runKarnelUnprivileged(['curator', 'run', 'group', '--dry-run'], {
      cwd: dir,
    });
    expect(curator).toMatchObject({ code: 1 });
    expect(curator.stdout).toContain(
      'curator.yaml:1:1: error file/unreadable: cannot read file (EACCES)',
    );
    expect(curator.stderr).not.toContain('EACCES: permission denied, open');
    const root = await copyExample('newsletter-co');
    await lock(join(root, 'newsletter-co', 'members', 'critic.yaml'));
    await shareWithUnprivileged(root);
    const run = await runKarnelUnprivileged(['validate', 'newsletter-co'], { cwd: root });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'newsletter-co/members/critic.yaml:1:1: error file/unreadable: cannot read file (EACCES)',
    );
    expect(run.stdout).not.toContain('could not be parsed');
  });
});
