import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createSigner, generateKeyPair } from '@karnel/core';
import { openLedger, readLedgerEntries, verifyLedger } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { acquireGroupLease } from '../lease/group-lease';
import { checkGroupRunnable } from '../lifecycle/check-group-runnable';
import { changeGroupLifecycle } from '../lifecycle/group-lifecycle';
import { groupLifecycleState } from '../lifecycle/group-lifecycle-state';
import { exportGroup } from './export-group';
import { importGroup, MIGRATION_IMPORT_NOTE } from './import-group';
import { MigrationError } from './migration-error';
import { appendMigrationResumed } from './migration-resumed';
import { ownedGroupCopy, readBundle, tempDir, writeBundle } from './test-group';

const noRequirements = { requirements: false } as const;

/** A lease file as the runtime writes it (host, pid, token, taken_at, expires_at). */
function runtimeLease(fields: { host: string; pid: number; expires_at: string }) {
  return { token: 'c0ffee', taken_at: new Date().toISOString(), ...fields };
}

async function refusal(promise: Promise<unknown>): Promise<MigrationError> {
  try {
    await promise;
  } catch (error) {
    if (MigrationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a MigrationError');
}

async function exported() {
  const group = await ownedGroupCopy();
  const bundle = join(group.root, 'group.karnel.tar');
  const result = await exportGroup({ dir: group.dir, bundle, signer: group.owner });
  return { ...group, bundle, result };
}

async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolveExit) => child.once('exit', resolveExit));
  return child.pid ?? 0;
}

describe('migration export and import', () => {
  it('hands off with a signed checkpoint and imports an identical, verifying group', async () => {
    const { dir, root, bundle, result, owner } = await exported();
    expect(result.handoff.seq).toBe(result.checkpoint.size);
    expect((await groupLifecycleState(dir)).state).toBe('handed-off');
    const entries = [];
    for await (const entry of readLedgerEntries(join(dir, 'ledger'))) entries.push(entry);
    const handoff = entries.at(-1);
    expect(handoff?.type).toBe('migration.handoff');
    expect(handoff?.signer).toBe(owner.did);
    const files = ((handoff?.body.files ?? []) as { path: string }[]).map((file) => file.path);
    expect(files).toContain('goals/current.yaml');
    expect(files).toContain('memory/strategic.yaml');

    const into = join(root, 'group-b');
    const imported = await importGroup({ bundle, into, ...noRequirements });
    expect(imported.group).toBe(result.group);
    expect(imported.entries).toBe(result.handoff.seq + 1);
    for (const path of [
      'manifest.yaml',
      'goals/current.yaml',
      'memory/strategic.yaml',
      'memory/episodic.jsonl',
      'ledger/chain.jsonl',
    ])
      expect(await readFile(join(into, path))).toEqual(await readFile(join(dir, path)));
    expect(await readdir(join(into, 'ledger/outcomes'))).toEqual(['.gitkeep']);
    expect((await verifyLedger(join(into, 'ledger'))).ok).toBe(true);
    expect((await groupLifecycleState(into)).state).toBe('handed-off');

    // The runtime's start: resume the import, then read the run state.
    const started = await checkGroupRunnable(join(root, 'group-a'));
    expect(started).toMatchObject({ state: 'handed-off', runnable: false });
    expect(started.why).toContain('handed off');
    const resumed = await appendMigrationResumed(into, { host: 'machine-b' });
    expect(resumed.appended).toBe(true);
    if (resumed.appended) {
      expect(resumed.entry.type).toBe('migration.resumed');
      expect(resumed.entry.body.handoff).toEqual(result.handoff);
      expect(resumed.entry.body.checkpoint).toEqual(result.checkpoint);
    }
    expect((await groupLifecycleState(into)).state).toBe('active');
    expect(await checkGroupRunnable(into)).toMatchObject({ state: 'active', runnable: true });
    expect((await verifyLedger(join(into, 'ledger'))).ok).toBe(true);
    await expect(stat(join(into, MIGRATION_IMPORT_NOTE))).rejects.toThrow();
    // Only once, and never in the folder that exported the group.
    expect((await appendMigrationResumed(into)).appended).toBe(false);
    expect((await appendMigrationResumed(dir)).appended).toBe(false);
    expect((await groupLifecycleState(dir)).state).toBe('handed-off');
  });

  it('refuses a bundle with one flipped byte, naming the file', async () => {
    const { root, bundle } = await exported();
    const bytes = await readFile(bundle);
    const at = bytes.indexOf('Run a newsletter on AI infrastructure');
    expect(at).toBeGreaterThan(0);
    bytes[at] = bytes[at]! ^ 0x01;
    await writeFile(bundle, bytes);
    const error = await refusal(importGroup({ bundle, into: join(root, 'b'), ...noRequirements }));
    expect(error.code).toBe('migration/hash-mismatch');
    expect(error.message).toContain('goals/current.yaml: its content differs');
    expect(await readdir(root)).not.toContain('b');
    expect((await readdir(root)).filter((name) => name.includes('importing'))).toEqual([]);
  });

  it('refuses a bundle with a missing file or an extra file, naming it', async () => {
    const { root, bundle } = await exported();
    const entries = await readBundle(bundle);
    const missing = join(root, 'missing.tar');
    await writeBundle(
      missing,
      entries.filter((entry) => entry.name !== 'group/goals/current.yaml'),
    );
    const lacking = await refusal(
      importGroup({ bundle: missing, into: join(root, 'b'), ...noRequirements }),
    );
    expect(lacking.code).toBe('migration/missing-file');
    expect(lacking.message).toContain(
      'goals/current.yaml: listed in karnel-bundle.json but missing',
    );

    const extra = join(root, 'extra.tar');
    const manifest = entries.at(-1)!;
    await writeBundle(extra, [
      ...entries.slice(0, -1),
      { name: 'group/goals/injected.yaml', type: 'file', content: Buffer.from('x: 1\n') },
      manifest,
    ]);
    const added = await refusal(
      importGroup({ bundle: extra, into: join(root, 'b'), ...noRequirements }),
    );
    expect(added.code).toBe('migration/extra-file');
    expect(added.message).toContain('goals/injected.yaml: is in the bundle but not listed');
  });

  it('refuses path traversal and links in the tar, writing nothing outside', async () => {
    const { root, bundle } = await exported();
    const entries = await readBundle(bundle);
    const evil = join(root, 'evil.tar');
    await writeBundle(evil, [
      { name: 'group/../../escaped.txt', type: 'file', content: Buffer.from('owned') },
      ...entries,
    ]);
    const traversal = await refusal(
      importGroup({ bundle: evil, into: join(root, 'b'), ...noRequirements }),
    );
    expect(traversal.code).toBe('migration/unsafe-path');
    expect(traversal.message).toContain('group/../../escaped.txt: unsafe path');
    await expect(stat(join(root, '..', 'escaped.txt'))).rejects.toThrow();
    await expect(stat(join(root, 'escaped.txt'))).rejects.toThrow();

    const linked = join(root, 'link.tar');
    await writeBundle(linked, [
      { name: 'group/memory/link', type: 'symlink', content: Buffer.alloc(0) },
      ...entries,
    ]);
    const link = await refusal(
      importGroup({ bundle: linked, into: join(root, 'b'), ...noRequirements }),
    );
    expect(link.message).toContain('group/memory/link: is a symlink');
  });

  it('refuses a bundle whose manifest was rewritten by someone else than the owner', async () => {
    const { root, bundle } = await exported();
    const entries = await readBundle(bundle);
    const manifestEntry = entries.at(-1)!;
    const manifest = JSON.parse(manifestEntry.content.toString('utf8'));
    manifest.files = manifest.files.filter(
      (file: { path: string }) => file.path !== 'treasury/balances.yaml',
    );
    const forged = join(root, 'forged.tar');
    await writeBundle(forged, [
      ...entries.filter((entry) => entry.name !== 'group/treasury/balances.yaml').slice(0, -1),
      { ...manifestEntry, content: Buffer.from(JSON.stringify(manifest)) },
    ]);
    const error = await refusal(
      importGroup({ bundle: forged, into: join(root, 'b'), ...noRequirements }),
    );
    expect(error.code).toBe('migration/bad-signature');
  });

  it('refuses to export while a live runtime holds the lease; a dead or expired lease does not block', async () => {
    const group = await ownedGroupCopy();
    await mkdir(join(group.dir, '.karnel'));
    const lease = join(group.dir, '.karnel/runtime.lease');
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await writeFile(
      lease,
      JSON.stringify(runtimeLease({ host: hostname(), pid: process.pid, expires_at: future })),
    );
    const running = await refusal(
      exportGroup({ dir: group.dir, bundle: join(group.root, 'a.tar'), signer: group.owner }),
    );
    expect(running.code).toBe('migration/running');
    expect(running.message).toContain(`held by process ${process.pid}`);
    await writeFile(lease, '{ not json');
    expect(
      (
        await refusal(
          exportGroup({ dir: group.dir, bundle: join(group.root, 'a.tar'), signer: group.owner }),
        )
      ).code,
    ).toBe('migration/running');
    await writeFile(
      lease,
      JSON.stringify(
        runtimeLease({ host: hostname(), pid: await exitedPid(), expires_at: future }),
      ),
    );
    const dead = await exportGroup({
      dir: group.dir,
      bundle: join(group.root, 'b.tar'),
      signer: group.owner,
    });
    expect(dead.files).toBeGreaterThan(10);
    // Cancel that hand-off, so the folder may hand off again.
    await changeGroupLifecycle(group.dir, 'resume', { signer: group.owner });
    await writeFile(
      lease,
      JSON.stringify(
        runtimeLease({ host: 'elsewhere', pid: 1, expires_at: '2000-01-01T00:00:00Z' }),
      ),
    );
    await exportGroup({ dir: group.dir, bundle: join(group.root, 'c.tar'), signer: group.owner });
    const files = (await readBundle(join(group.root, 'c.tar'))).map((entry) => entry.name);
    expect(files).not.toContain('group/.karnel/runtime.lease');
  });

  it('refuses to hand off again a group already handed off, or a dissolved one, writing nothing', async () => {
    const { dir, root, owner } = await exported();
    const chain = await readFile(join(dir, 'ledger/chain.jsonl'));
    const again = await refusal(
      exportGroup({ dir, bundle: join(root, 'again.tar'), signer: owner }),
    );
    expect(again.code).toBe('migration/invalid');
    expect(again.message).toContain('already handed off at ledger entry');
    expect(await readFile(join(dir, 'ledger/chain.jsonl'))).toEqual(chain);
    await expect(stat(join(root, 'again.tar'))).rejects.toThrow();

    const dissolved = await ownedGroupCopy();
    await changeGroupLifecycle(dissolved.dir, 'dissolve', { signer: dissolved.owner });
    const archive = await refusal(
      exportGroup({
        dir: dissolved.dir,
        bundle: join(dissolved.root, 'archive.tar'),
        signer: dissolved.owner,
      }),
    );
    expect(archive.code).toBe('migration/invalid');
    expect(archive.message).toContain('dissolution is final');
    expect((await groupLifecycleState(dissolved.dir)).ignored).toEqual([]);
  });

  it("is refused while the runtime's own group lease is held, and allowed once it is released", async () => {
    const group = await ownedGroupCopy();
    const ledger = await openLedger(join(group.dir, 'ledger'));
    const lease = await acquireGroupLease({ dir: group.dir, ledger });
    const held = await refusal(
      exportGroup({ dir: group.dir, bundle: join(group.root, 'a.tar'), signer: group.owner }),
    );
    expect(held.code).toBe('migration/running');
    await lease.release();
    await ledger.close();
    const done = await exportGroup({
      dir: group.dir,
      bundle: join(group.root, 'a.tar'),
      signer: group.owner,
    });
    expect(done.files).toBeGreaterThan(10);
  });

  it('refuses an export signed by a key that is not the owner', async () => {
    const group = await ownedGroupCopy();
    const stranger = createSigner(generateKeyPair().secretKey);
    const error = await refusal(
      exportGroup({ dir: group.dir, bundle: join(group.root, 'a.tar'), signer: stranger }),
    );
    expect(error.code).toBe('migration/not-owner');
    await expect(stat(join(group.root, 'a.tar'))).rejects.toThrow();
  });

  it('refuses a bundle path inside the group directory', async () => {
    const group = await ownedGroupCopy();
    const error = await refusal(
      exportGroup({
        dir: group.dir,
        bundle: join(group.dir, 'memory', 'x.tar'),
        signer: group.owner,
      }),
    );
    expect(error.code).toBe('migration/destination');
  });

  it('refuses to import into a folder that is not empty', async () => {
    const { dir, bundle } = await exported();
    const error = await refusal(importGroup({ bundle, into: dir, ...noRequirements }));
    expect(error.code).toBe('migration/destination');
  });

  it('reports the tiers and adapters it cannot resolve on this machine', async () => {
    const { root, bundle } = await exported();
    const machine = join(await tempDir(), 'tiers.yaml');
    const imported = await importGroup({
      bundle,
      into: join(root, 'b'),
      requirements: {
        machineFile: machine,
        ollamaHost: 'http://127.0.0.1:9',
        skipAdapterChecks: false,
      },
    });
    const tiers = imported.unresolved
      .filter((problem) => problem.kind === 'tier')
      .map((problem) => problem.name);
    expect(tiers).toContain('frontier-reasoning');
    expect(
      imported.unresolved.some(
        (problem) => problem.kind === 'adapter' && problem.name === 'specialist_writer',
      ),
    ).toBe(true);
  });
});
