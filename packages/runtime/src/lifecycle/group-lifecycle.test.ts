import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSigner, generateKeyPair } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { verifyPayload } from '@karnel/policy';
import { describe, expect, it } from 'vitest';
import { MigrationError } from '../migration/migration-error';
import { ownedGroupCopy } from '../migration/test-group';
import { checkGroupRunnable } from './check-group-runnable';
import { changeGroupLifecycle, recordMembership } from './group-lifecycle';
import { groupLifecycleState } from './group-lifecycle-state';

const newSigner = () => createSigner(generateKeyPair().secretKey);

async function refusal(promise: Promise<unknown>): Promise<MigrationError> {
  try {
    await promise;
  } catch (error) {
    if (MigrationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a MigrationError');
}

describe('group lifecycle', () => {
  it('pauses, resumes and dissolves with the owner key; dissolution is final', async () => {
    const { dir, owner } = await ownedGroupCopy();
    expect(await groupLifecycleState(dir)).toMatchObject({ state: 'active', runnable: true });
    const paused = await changeGroupLifecycle(dir, 'pause', { signer: owner, reason: 'holiday' });
    expect(paused.signer).toBe(owner.did);
    expect(await groupLifecycleState(dir)).toMatchObject({
      state: 'paused',
      runnable: false,
      since: { seq: paused.seq, type: 'group.paused', reason: 'holiday' },
    });
    expect(
      (await refusal(changeGroupLifecycle(dir, 'pause', { signer: owner }))).message,
    ).toContain('cannot pause a group that is paused');
    await changeGroupLifecycle(dir, 'resume', { signer: owner });
    expect((await groupLifecycleState(dir)).state).toBe('active');
    await changeGroupLifecycle(dir, 'dissolve', { signer: owner });
    expect(await groupLifecycleState(dir)).toMatchObject({ state: 'dissolved', runnable: false });
    const again = await refusal(changeGroupLifecycle(dir, 'resume', { signer: owner }));
    expect(again.message).toContain('dissolution is final');
  });

  it('refuses another key, and ignores lifecycle records the owner did not sign', async () => {
    const { dir, owner } = await ownedGroupCopy();
    await changeGroupLifecycle(dir, 'pause', { signer: owner });
    const stranger = newSigner();
    expect((await refusal(changeGroupLifecycle(dir, 'resume', { signer: stranger }))).code).toBe(
      'migration/not-owner',
    );
    // Someone with write access to the ledger appends a resume: signed by another key, or not
    // at all. Neither counts.
    const ledger = await openLedger(join(dir, 'ledger'));
    await ledger.append({ type: 'group.resumed', body: { group: 'grp_x' } });
    await ledger.append({ type: 'group.resumed', body: { group: 'grp_x' } }, { signer: stranger });
    await ledger.close();
    const state = await groupLifecycleState(dir);
    expect(state.state).toBe('paused');
    expect(state.ignored).toHaveLength(2);
    expect(state.ignored[0]).toContain('group.resumed is not signed by the owner in force');
  });

  it('records members joining and leaving; an independently owned member co-signs its join', async () => {
    const { dir, owner } = await ownedGroupCopy();
    const foreign = newSigner();
    const joined = await recordMembership(dir, {
      signer: owner,
      member: 'specialist_writer',
      change: 'joined',
      kind: 'foreign',
      memberSigner: foreign,
    });
    expect(joined.body.owner).toBe(foreign.did);
    const { member_signature: memberSignature, ...signed } = joined.body;
    expect(verifyPayload(signed, memberSignature, foreign.did)).toBe(true);
    expect(verifyPayload({ ...signed, member: 'other' }, memberSignature, foreign.did)).toBe(false);
    await recordMembership(dir, {
      signer: owner,
      member: 'critic',
      change: 'joined',
      kind: 'native',
    });
    await recordMembership(dir, {
      signer: owner,
      member: 'critic',
      change: 'left',
      kind: 'native',
    });
    expect((await groupLifecycleState(dir)).members).toEqual({
      specialist_writer: 'joined',
      critic: 'left',
    });
    await changeGroupLifecycle(dir, 'dissolve', { signer: owner });
    await expect(
      recordMembership(dir, { signer: owner, member: 'critic', change: 'joined', kind: 'native' }),
    ).rejects.toThrow('dissolved');
  });

  it('refuses a membership record for a role the manifest does not list, a wrong kind, a second leave or a forged reason', async () => {
    const { dir, owner } = await ownedGroupCopy();
    const chain = await readFile(join(dir, 'ledger/chain.jsonl')).catch(() => Buffer.alloc(0));
    const refused = async (options: Parameters<typeof recordMembership>[1]) =>
      recordMembership(dir, options).then(
        () => 'recorded',
        (error: Error) => error.message,
      );
    expect(
      await refused({ signer: owner, member: 'wr\u001b[31miter', change: 'joined' }),
    ).toContain('is not a role');
    expect(await refused({ signer: owner, member: 'nobody', change: 'left' })).toContain(
      '"nobody" is not a member in manifest.yaml',
    );
    expect(
      await refused({
        signer: owner,
        member: 'specialist_writer',
        change: 'joined',
        kind: 'native',
      }),
    ).toContain('is a foreign member in manifest.yaml, not native');
    expect(
      await refused({ signer: owner, member: 'writer', change: 'left', reason: 'ok\nforged line' }),
    ).toContain('one line of text');
    await expect(
      changeGroupLifecycle(dir, 'pause', { signer: owner, reason: 'x\u001b[2J' }),
    ).rejects.toThrow('one line of text');
    expect(await readFile(join(dir, 'ledger/chain.jsonl')).catch(() => Buffer.alloc(0))).toEqual(
      chain,
    );
    // The kind defaults to the manifest's; a member that left cannot leave again.
    const left = await recordMembership(dir, { signer: owner, member: 'writer', change: 'left' });
    expect(left.body.kind).toBe('native');
    expect(await refused({ signer: owner, member: 'writer', change: 'left' })).toContain(
      'already left',
    );
  });

  it('keeps a group paused across a hand-off and resumes it paused', async () => {
    const { dir, owner } = await ownedGroupCopy();
    await changeGroupLifecycle(dir, 'pause', { signer: owner });
    const ledger = await openLedger(join(dir, 'ledger'), { signer: owner });
    const checkpoint = await ledger.checkpoint(owner);
    await ledger.append({
      type: 'migration.handoff',
      body: {
        group: 'g',
        checkpoint: checkpoint.text,
        files: [],
        exported_at: '2026-01-01T00:00:00Z',
      },
    });
    expect((await groupLifecycleState(dir)).state).toBe('handed-off');
    await ledger.append({ type: 'migration.resumed', body: {} });
    await ledger.close();
    expect((await groupLifecycleState(dir)).state).toBe('paused');
  });
});

describe('checkGroupRunnable', () => {
  it('resumes a freshly imported group once, and says why a paused or dissolved group does not run', async () => {
    const { dir, owner } = await ownedGroupCopy();
    expect(await checkGroupRunnable(dir)).toMatchObject({ state: 'active', runnable: true });
    await changeGroupLifecycle(dir, 'pause', { signer: owner });
    expect(await checkGroupRunnable(dir)).toMatchObject({
      runnable: false,
      why: 'the owner paused the group (karnel group resume)',
    });
    await changeGroupLifecycle(dir, 'dissolve', { signer: owner });
    expect((await checkGroupRunnable(dir)).why).toContain('refuses every run');
  });
});
