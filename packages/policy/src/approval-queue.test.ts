import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, createSigner, generateKeyPair, toBase64Url } from '@karnel/core';
import { type Ledger, type LedgerEntry, openLedger } from '@karnel/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signApprovalDecision } from './approval-decision';
import { createApprovalQueue } from './approval-queue';
import { createAuthority } from './authority';
import { ApprovalTamperedError } from './errors';

const owner = createSigner(generateKeyPair().secretKey);
const delegate = createSigner(generateKeyPair().secretKey);
const stranger = createSigner(generateKeyPair().secretKey);
const worker = createSigner(generateKeyPair().secretKey);
const action = { kind: 'publish', target: 'newsletter', issue: 42, body: 'Hello' };

let dir: string;
let clock: ReturnType<typeof createManualClock>;
let ledger: Ledger;

async function recorded(): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const entry of ledger.entries()) entries.push(entry);
  return entries;
}

function open() {
  const authority = createAuthority({ dir, owner: owner.did, clock, ledger });
  return {
    authority,
    queue: createApprovalQueue({ dir, authority, ledger, clock, ttlMs: 60 * 60 * 1000 }),
  };
}

afterEach(async () => {
  await ledger.close();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
  clock = createManualClock('2026-05-03T10:00:00Z');
  ledger = await openLedger(join(dir, 'ledger'), { clock });
});

describe('approval queue', () => {
  it('approves with the owner key, once, for exactly the requested action', async () => {
    const { queue } = open();
    const request = await queue.request({
      actor: 'writer',
      capability: 'publish:newsletter',
      action,
      requester: worker,
      rule: 'publish-needs-approval',
    });
    expect(request.status).toBe('pending');
    const approved = await queue.decide(
      signApprovalDecision(request, owner, { decision: 'approve', clock }),
    );
    expect(approved).toMatchObject({ ok: true, request: { status: 'approved' } });
    expect(
      await queue.use(
        request.id,
        { ...action },
        { capability: 'publish:newsletter', executor: worker },
      ),
    ).toMatchObject({
      ok: true,
      request: { status: 'used' },
    });
    expect((await recorded()).map((record) => record.type)).toEqual([
      'approval.requested',
      'approval.approved',
      'approval.executed',
    ]);
    expect((await recorded())[0]?.signer).toBe(worker.did);
    expect((await recorded())[2]?.body).toMatchObject({
      requested_by: worker.did,
      approved_by: owner.did,
      executed_by: worker.did,
    });
  });

  it('refuses a forged signature', async () => {
    const { queue } = open();
    const request = await queue.request({ actor: 'writer', capability: 'publish', action });
    const genuine = signApprovalDecision(request, owner, { decision: 'approve', clock });
    const forged = { ...genuine, signature: toBase64Url(new Uint8Array(64).fill(7)) };
    expect(await queue.decide(forged)).toMatchObject({ ok: false, code: 'bad-signature' });
    const claimed = {
      ...signApprovalDecision(request, stranger, { decision: 'approve', clock }),
      signer: owner.did,
    };
    expect(await queue.decide(claimed)).toMatchObject({ ok: false, code: 'bad-signature' });
    expect((await queue.get(request.id))?.status).toBe('pending');
    expect((await recorded()).filter((record) => record.type === 'approval.rejected')).toHaveLength(
      2,
    );
  });

  it('refuses a valid signature by a key that is not authorised, and accepts a delegate', async () => {
    const { queue, authority } = open();
    const request = await queue.request({ actor: 'writer', capability: 'publish:blog', action });
    expect(
      await queue.decide(signApprovalDecision(request, stranger, { decision: 'approve', clock })),
    ).toMatchObject({ ok: false, code: 'unauthorised' });
    await authority.issue({
      issuer: owner,
      subject: delegate.did,
      capabilities: ['messaging.send'],
      mayApprove: true,
    });
    expect(
      await queue.decide(signApprovalDecision(request, delegate, { decision: 'approve', clock })),
    ).toMatchObject({ ok: false, code: 'unauthorised' });
    await authority.issue({
      issuer: owner,
      subject: delegate.did,
      capabilities: ['publish'],
      mayApprove: true,
    });
    expect(
      await queue.decide(signApprovalDecision(request, delegate, { decision: 'approve', clock })),
    ).toMatchObject({ ok: true });
  });

  it('refuses a replayed approval: on the same request, and on a new request for the same action', async () => {
    const { queue } = open();
    const first = await queue.request({ actor: 'writer', capability: 'publish', action });
    const approval = signApprovalDecision(first, owner, { decision: 'approve', clock });
    expect((await queue.decide(approval)).ok).toBe(true);
    expect(await queue.decide(approval)).toMatchObject({ ok: false, code: 'not-pending' });
    expect((await queue.use(first.id, action, { capability: 'publish' })).ok).toBe(true);
    expect(await queue.use(first.id, action, { capability: 'publish' })).toMatchObject({
      ok: false,
      code: 'already-used',
    });
    const second = await queue.request({ actor: 'writer', capability: 'publish', action });
    expect(second.action_hash).toBe(first.action_hash);
    const replayed = { ...approval, approval_id: second.id };
    expect(await queue.decide(replayed)).toMatchObject({ ok: false, code: 'bad-signature' });
    expect(await queue.use(second.id, action, { capability: 'publish' })).toMatchObject({
      ok: false,
      code: 'not-approved',
    });
  });

  it('refuses an expired request and an expired approval, and records the expiry', async () => {
    const { queue } = open();
    const late = await queue.request({ actor: 'writer', capability: 'publish', action });
    clock.advance(60 * 60 * 1000);
    expect((await queue.get(late.id))?.status).toBe('expired');
    expect(
      await queue.decide(signApprovalDecision(late, owner, { decision: 'approve', clock })),
    ).toMatchObject({ ok: false, code: 'expired' });
    const unused = await queue.request({ actor: 'writer', capability: 'publish', action });
    expect(
      (await queue.decide(signApprovalDecision(unused, owner, { decision: 'approve', clock }))).ok,
    ).toBe(true);
    clock.advance(60 * 60 * 1000 + 1);
    expect(await queue.use(unused.id, action, { capability: 'publish' })).toMatchObject({
      ok: false,
      code: 'expired',
    });
    expect(
      (await recorded())
        .filter((record) => record.type === 'approval.expired')
        .map((record) => record.body.approval_id),
    ).toEqual([late.id, unused.id]);
    const third = await queue.request({
      actor: 'writer',
      capability: 'publish',
      action,
      ttlMs: 1000,
    });
    clock.advance(1000);
    expect((await queue.expireOverdue()).map((request) => request.id)).toEqual([third.id]);
  });

  it('never lets an approval of an action authorise a modified action', async () => {
    const { queue } = open();
    const request = await queue.request({ actor: 'writer', capability: 'publish', action });
    const changed = { ...action, body: 'Hello, and buy my course' };
    const forChanged = signApprovalDecision({ ...request, action_hash: '0'.repeat(64) }, owner, {
      decision: 'approve',
      clock,
    });
    expect(await queue.decide(forChanged)).toMatchObject({ ok: false, code: 'action-mismatch' });
    expect(
      (await queue.decide(signApprovalDecision(request, owner, { decision: 'approve', clock }))).ok,
    ).toBe(true);
    expect(await queue.use(request.id, changed, { capability: 'publish' })).toMatchObject({
      ok: false,
      code: 'action-mismatch',
    });
    // Key order does not matter (canonical JSON); content does.
    const reordered = { body: 'Hello', issue: 42, target: 'newsletter', kind: 'publish' };
    expect((await queue.use(request.id, reordered, { capability: 'publish' })).ok).toBe(true);
  });

  it('survives a restart between request and approval', async () => {
    const request = await open().queue.request({
      actor: 'writer',
      capability: 'deploy:production',
      action: { ref: 'v1.2.0' },
    });
    const restarted = open().queue;
    expect((await restarted.list({ status: 'pending' })).map((item) => item.id)).toEqual([
      request.id,
    ]);
    expect(
      (await restarted.decide(signApprovalDecision(request, owner, { decision: 'approve', clock })))
        .ok,
    ).toBe(true);
    const again = open().queue;
    expect(
      (await again.use(request.id, { ref: 'v1.2.0' }, { capability: 'deploy:production' })).ok,
    ).toBe(true);
    const stored = JSON.parse(await readFile(join(dir, 'approvals', `${request.id}.json`), 'utf8'));
    expect(stored.status).toBe('used');
  });

  it('refuses an approval whose stored signature was tampered with after approval', async () => {
    const { queue } = open();
    const request = await queue.request({ actor: 'writer', capability: 'publish', action });
    const file = join(dir, 'approvals', `${request.id}.json`);
    const tampered = JSON.parse(await readFile(file, 'utf8'));
    tampered.status = 'approved';
    tampered.decision = {
      ...signApprovalDecision(request, owner, { decision: 'approve', clock }),
      comment: 'added later',
    };
    await writeFile(file, JSON.stringify(tampered));
    await expect(queue.use(request.id, action, { capability: 'publish' })).rejects.toSatisfy(
      ApprovalTamperedError.isInstance,
    );
    expect((await recorded()).map((record) => record.type)).not.toContain('approval.executed');
  });

  it('denies with a signature, and cancels pending requests', async () => {
    const { queue } = open();
    const denied = await queue.request({ actor: 'writer', capability: 'publish', action });
    expect(
      await queue.decide(
        signApprovalDecision(denied, owner, { decision: 'deny', comment: 'not this week', clock }),
      ),
    ).toMatchObject({ ok: true, request: { status: 'denied' } });
    expect(await queue.use(denied.id, action, { capability: 'publish' })).toMatchObject({
      ok: false,
      code: 'not-approved',
    });
    const pending = await queue.request({ actor: 'writer', capability: 'publish', action });
    expect((await queue.cancelPending('safe mode')).map((request) => request.id)).toEqual([
      pending.id,
    ]);
    expect((await queue.get(pending.id))?.status).toBe('cancelled');
    expect((await recorded()).map((record) => record.type)).toContain('approval.denied');
    expect((await recorded()).map((record) => record.type)).toContain('approval.cancelled');
  });
});
