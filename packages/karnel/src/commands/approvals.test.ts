import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSigner, type KeyPair } from '@karnel/core';
import { type LedgerEntry, openLedger } from '@karnel/ledger';
import { createApprovalQueue, createAuthority } from '@karnel/policy';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runKarnel, writeKeyFile } from '../../test/run-karnel';

async function agentWithRequest(reason = 'publishing needs approval'): Promise<{
  dir: string;
  ownerKey: string;
  strangerKey: string;
  id: string;
  owner: KeyPair;
}> {
  const dir = await makeTempDir();
  const ownerKey = join(dir, '..', `${dir.split('/').at(-1)}-owner.key.json`);
  const strangerKey = join(dir, '..', `${dir.split('/').at(-1)}-stranger.key.json`);
  const owner = await writeKeyFile(ownerKey);
  await writeKeyFile(strangerKey);
  const ownerDid = createSigner(owner.secretKey).did;
  await writeFile(
    join(dir, 'manifest.yaml'),
    [
      'karnel_spec_version: "0.2"',
      'agent:',
      '  id: "agt_01H8ZQK0V8Q5T2N7R4M6W9YB1C"',
      '  name: "writer"',
      '  created_at: "2026-05-03T10:00:00Z"',
      `  owner: "${ownerDid}"`,
      '  agent_kind: "karnel-native"',
      'purpose: "Writes the newsletter."',
      '',
    ].join('\n'),
  );
  const ledger = await openLedger(join(dir, 'ledger'));
  const authority = createAuthority({ dir, owner: ownerDid, ledger });
  const queue = createApprovalQueue({ dir, authority, ledger });
  const request = await queue.request({
    actor: 'writer',
    capability: 'publish:newsletter',
    action: { issue: 7 },
    reason,
  });
  await ledger.close();
  return { dir, ownerKey, strangerKey, id: request.id, owner };
}

async function ledgerTypes(dir: string): Promise<LedgerEntry[]> {
  const ledger = await openLedger(join(dir, 'ledger'));
  const entries: LedgerEntry[] = [];
  for await (const entry of ledger.entries()) entries.push(entry);
  await ledger.close();
  return entries;
}

describe('karnel approvals', () => {
  it('lists, shows and approves a request with the owner key file', async () => {
    const { dir, ownerKey, id, owner } = await agentWithRequest();
    const list = await runKarnel(['approvals', 'list', dir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('publish:newsletter');
    const show = await runKarnel(['approvals', 'show', dir, id, '--format', 'json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id, status: 'pending', action: { issue: 7 } });
    const approve = await runKarnel([
      'approvals',
      'approve',
      dir,
      id,
      '--key',
      ownerKey,
      '--comment',
      'ship it',
    ]);
    expect(approve.stderr).toBe('');
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain(`approved ${id}`);
    expect((await runKarnel(['approvals', 'list', dir])).stdout).toContain(
      'no pending approval requests',
    );
    const again = await runKarnel(['approvals', 'approve', dir, id, '--key', ownerKey]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not-pending');
    const entries = await ledgerTypes(dir);
    const approved = entries.find((entry) => entry.type === 'approval.approved');
    expect(approved?.signer).toBe(createSigner(owner.secretKey).did);
    expect(approved?.body).toMatchObject({ approval_id: id, decision: { comment: 'ship it' } });
  });

  it('lists and shows without writing: the ledger folder is left exactly as it was', async () => {
    const { dir, id, ownerKey } = await agentWithRequest();
    const ledgerDir = join(dir, 'ledger');
    const names = await readdir(ledgerDir);
    const chain = await readFile(join(ledgerDir, 'chain.jsonl'));
    expect((await runKarnel(['approvals', 'list', dir])).stdout).toContain(id);
    expect((await runKarnel(['approvals', 'show', dir, id])).code).toBe(0);
    expect((await runKarnel(['safe-mode', 'status', dir])).stdout).toContain('safe mode: off');
    expect(await readdir(ledgerDir)).toEqual(names);
    expect((await readFile(join(ledgerDir, 'chain.jsonl'))).equals(chain)).toBe(true);
    // The first command that writes pins the owner, as before.
    expect((await runKarnel(['approvals', 'approve', dir, id, '--key', ownerKey])).code).toBe(0);
    expect((await ledgerTypes(dir)).map((entry) => entry.type)).toContain('owner.pinned');
  });

  it('refuses a key that is not authorised, and needs a key to sign', async () => {
    const { dir, strangerKey, id } = await agentWithRequest();
    const refused = await runKarnel(['approvals', 'deny', dir, id, '--key', strangerKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('unauthorised');
    const show = await runKarnel(['approvals', 'show', dir, id]);
    expect(show.stdout).toContain('status:       pending');
    const missing = await runKarnel(['approvals', 'approve', dir, id], {
      env: { KARNEL_KEY_FILE: '' },
    });
    expect(missing.code).toBe(2);
    expect(
      (await runKarnel(['approvals', 'show', dir, 'apr_01H8ZQK0V8Q5T2N7R4M6W9YB1C'])).code,
    ).toBe(1);
    expect((await runKarnel(['approvals', 'list', dir, '--status', 'bogus'])).code).toBe(2);
  });
});

describe('karnel safe-mode', () => {
  it('turns on with any key, cancels pending approvals, and turns off only with the owner key', async () => {
    const { dir, ownerKey, strangerKey, id } = await agentWithRequest();
    expect((await runKarnel(['safe-mode', 'status', dir])).stdout).toContain('safe mode: off');
    const on = await runKarnel([
      'safe-mode',
      'on',
      dir,
      '--key',
      strangerKey,
      '--reason',
      'something is wrong',
    ]);
    expect(on.code).toBe(0);
    expect(on.stdout).toContain(`1 pending approval request(s) cancelled: ${id}`);
    const status = await runKarnel(['safe-mode', 'status', dir, '--format', 'json']);
    expect(JSON.parse(status.stdout)).toMatchObject({
      active: true,
      state: { reason: 'something is wrong', trigger: 'manual' },
    });
    const refused = await runKarnel(['safe-mode', 'off', dir, '--key', strangerKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('only the owner');
    const off = await runKarnel(['safe-mode', 'off', dir, '--key', ownerKey]);
    expect(off.code).toBe(0);
    expect((await runKarnel(['safe-mode', 'status', dir])).stdout).toContain('safe mode: off');
    const types = (await ledgerTypes(dir)).map((entry) => entry.type);
    expect(types).toEqual([
      'approval.requested',
      'owner.pinned',
      'safe_mode.entered',
      'approval.cancelled',
      'safe_mode.exited',
    ]);
  });
});

describe('karnel approvals and safe-mode against a tampered directory', () => {
  it('prints control sequences in a request reason as visible escapes', async () => {
    const { dir, id } = await agentWithRequest('routine\u001b[2K\rAPPROVED by owner\u0007\u202e');
    for (const args of [
      ['approvals', 'list', dir],
      ['approvals', 'show', dir, id],
      ['approvals', 'show', dir, id, '--format', 'json'],
    ]) {
      const run = await runKarnel(args);
      expect(run.code).toBe(0);
      expect(run.stdout).not.toMatch(/[\u001b\r\u0007\u202e]/);
    }
    const list = await runKarnel(['approvals', 'list', dir]);
    expect(list.stdout).toContain('routine\\x1b[2K\\rAPPROVED by owner\\x07\\u202e');
  });

  it('refuses to show or approve a request whose action is a decoy', async () => {
    const { dir, ownerKey, id } = await agentWithRequest();
    const file = join(dir, 'approvals', `${id}.json`);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, action: { issue: 8 } }));
    for (const args of [
      ['approvals', 'show', dir, id],
      ['approvals', 'list', dir],
      ['approvals', 'approve', dir, id, '--key', ownerKey],
    ]) {
      const run = await runKarnel(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`approval ${id} was tampered with`);
      expect(run.stderr).not.toContain('    at ');
    }
    expect((await ledgerTypes(dir)).map((entry) => entry.type)).not.toContain('approval.approved');
  });

  it('refuses a replayed approval after its status is set back to approved', async () => {
    const { dir, ownerKey, id } = await agentWithRequest();
    expect((await runKarnel(['approvals', 'approve', dir, id, '--key', ownerKey])).code).toBe(0);
    const file = join(dir, 'approvals', `${id}.json`);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, status: 'pending', decision: undefined }));
    const show = await runKarnel(['approvals', 'show', dir, id]);
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('status is "pending" but the ledger records "approved"');
  });

  it('revokes an approval with a signature', async () => {
    const { dir, ownerKey, strangerKey, id } = await agentWithRequest();
    expect((await runKarnel(['approvals', 'approve', dir, id, '--key', ownerKey])).code).toBe(0);
    const refused = await runKarnel(['approvals', 'revoke', dir, id, '--key', strangerKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('unauthorised');
    const revoked = await runKarnel([
      'approvals',
      'revoke',
      dir,
      id,
      '--key',
      ownerKey,
      '-m',
      'changed my mind',
    ]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${id}`);
    expect((await runKarnel(['approvals', 'show', dir, id])).stdout).toContain(
      'status:       revoked',
    );
  });

  it('reports a rolled-back safe-mode.json as on, and a missing key file as a usage error', async () => {
    const { dir, ownerKey, strangerKey } = await agentWithRequest();
    expect((await runKarnel(['safe-mode', 'on', dir, '--key', strangerKey])).code).toBe(0);
    expect((await runKarnel(['safe-mode', 'off', dir, '--key', ownerKey])).code).toBe(0);
    await copyFile(join(dir, 'safe-mode.json'), join(dir, '..', `${id(dir)}-off.json`));
    expect((await runKarnel(['safe-mode', 'on', dir, '--key', strangerKey])).code).toBe(0);
    await copyFile(join(dir, '..', `${id(dir)}-off.json`), join(dir, 'safe-mode.json'));
    const status = await runKarnel(['safe-mode', 'status', dir]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('safe mode: on');
    expect(status.stdout).toContain('[safe-mode/rollback]');
    const missing = await runKarnel(['safe-mode', 'on', dir, '--key', join(dir, 'no-such.key')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot be read (ENOENT)');
  });

  it('says what is wrong with a directory that is not an agent, and creates nothing there', async () => {
    const { dir } = await agentWithRequest();
    const typo = `${dir}-typo`;
    const run = await runKarnel(['approvals', 'list', typo]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not an agent or group directory');
    expect((await runKarnel(['safe-mode', 'status', typo])).code).toBe(1);
    await expect(stat(typo)).rejects.toMatchObject({ code: 'ENOENT' });
    const broken = `${dir}-broken`;
    await mkdir(broken);
    await copyFile(join(dir, 'manifest.yaml'), join(broken, 'manifest.yaml'));
    await writeFile(join(broken, 'ledger'), 'a file where the ledger folder should be');
    const file = await runKarnel(['approvals', 'list', broken]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/^error: /);
    expect(file.stderr).not.toContain('internal error');
  });
});

function id(dir: string): string {
  return dir.split('/').at(-1) ?? 'dir';
}
