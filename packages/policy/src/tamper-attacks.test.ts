/**
 * Regression tests for an attacker who can write the agent's directory (the runtime, a
 * misbehaving tool) but holds neither the owner's key nor the power to rewrite the hash-chained
 * ledger: every fact an approval or safe mode relies on must come from the owner's signature or
 * from the ledger, and every edit of a copy must be detected and refused.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, createSigner, generateKeyPair } from '@karnel/core';
import { type Ledger, openLedger } from '@karnel/ledger';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signApprovalDecision } from './approval-decision';
import { createApprovalQueue } from './approval-queue';
import { createAuthority } from './authority';
import { ApprovalTamperedError } from './errors';
import { createSafeMode } from './safe-mode';

const owner = createSigner(generateKeyPair().secretKey);
const attacker = createSigner(generateKeyPair().secretKey);
const worker = createSigner(generateKeyPair().secretKey);
const action = { kind: 'publish', issue: 42, body: 'Hello' };
const HOUR = 60 * 60 * 1000;

let dir: string;
let clock: ReturnType<typeof createManualClock>;
let ledger: Ledger;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-attack-'));
  clock = createManualClock('2026-05-03T10:00:00Z');
  ledger = await openLedger(join(dir, 'ledger'), { clock });
});

afterEach(async () => {
  await ledger.close();
  await rm(dir, { recursive: true, force: true });
});

function queue() {
  const authority = createAuthority({ dir, owner: owner.did, clock, ledger });
  return createApprovalQueue({ dir, authority, ledger, clock, ttlMs: HOUR });
}

const fileOf = (id: string) => join(dir, 'approvals', `${id}.json`);

async function edit(id: string, change: (stored: Record<string, unknown>) => void) {
  const stored = JSON.parse(await readFile(fileOf(id), 'utf8'));
  change(stored);
  await writeFile(fileOf(id), JSON.stringify(stored, null, 2));
}

async function approved(capability = 'publish:newsletter') {
  const approvals = queue();
  const request = await approvals.request({
    actor: 'writer',
    capability,
    action,
    requester: worker,
  });
  const answer = await approvals.decide(
    signApprovalDecision(request, owner, { decision: 'approve', clock }),
  );
  expect(answer.ok).toBe(true);
  return { approvals, request };
}

async function tamperedError(promise: Promise<unknown>): Promise<ApprovalTamperedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!ApprovalTamperedError.isInstance(error))
    throw new Error(`expected a tampering error, got ${String(error)}`);
  return error;
}

async function types(): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of ledger.entries()) found.push(entry.type);
  return found;
}

describe('an attacker who can write approvals/<id>.json', () => {
  it('cannot exhaust memory with a huge request file: it is refused by its size, unread', async () => {
    const { approvals, request } = await approved();
    await writeFile(fileOf(request.id), `${' '.repeat(17 * 1024 * 1024)}{}`);
    const error = await tamperedError(approvals.get(request.id));
    expect(error.message).toContain(
      `approvals/${request.id}.json: file is 17.0 MiB, over the limit of 16.0 MiB`,
    );
  });

  it('cannot replay a used approval by setting its status back to approved', async () => {
    const { approvals, request } = await approved();
    const use = { capability: 'publish:newsletter', executor: worker };
    expect((await approvals.use(request.id, action, use)).ok).toBe(true);
    await edit(request.id, (stored) => {
      stored.status = 'approved';
      delete stored.used;
    });
    const error = await tamperedError(approvals.use(request.id, action, use));
    expect(error.approvalId).toBe(request.id);
    expect(error.fields).toEqual(['status']);
    expect(error.code).toBe('approval/tampered');
    expect(error.message).toContain(request.id);
    expect(error.message).toContain('status is "approved" but the ledger records "used"');
    // Even a fresh queue with the copy deleted refuses: single use is a ledger record.
    await rm(fileOf(request.id));
    await tamperedError(queue().use(request.id, action, use));
    expect((await types()).filter((type) => type === 'approval.executed')).toHaveLength(1);
    expect(await types()).toContain('approval.rejected');
  });

  it('cannot move an approval to another capability', async () => {
    const { approvals, request } = await approved('publish:newsletter');
    await edit(request.id, (stored) => {
      stored.capability = 'payments.send';
      (stored.decision as Record<string, unknown>).capability = 'payments.send';
    });
    const error = await tamperedError(
      approvals.use(request.id, action, { capability: 'payments.send' }),
    );
    expect(error.fields).toEqual(expect.arrayContaining(['capability', 'decision']));
    // With an untouched copy, the signed capability is compared with the one being exercised.
    const other = await approved('publish:newsletter');
    expect(
      await other.approvals.use(other.request.id, action, { capability: 'payments.send' }),
    ).toMatchObject({ ok: false, code: 'capability-mismatch' });
    expect(
      await other.approvals.use(other.request.id, action, {
        capability: 'publish:newsletter',
        actor: 'intruder',
      }),
    ).toMatchObject({ ok: false, code: 'actor-mismatch' });
    expect(
      (
        await other.approvals.use(other.request.id, action, {
          capability: 'publish:newsletter',
          actor: 'writer',
        })
      ).ok,
    ).toBe(true);
  });

  it('cannot revive an expired approval by editing expires_at', async () => {
    const { approvals, request } = await approved();
    clock.advance(HOUR + 1);
    const later = new Date(clock.now().getTime() + 24 * HOUR).toISOString();
    await edit(request.id, (stored) => {
      stored.expires_at = later;
    });
    const error = await tamperedError(
      approvals.use(request.id, action, { capability: 'publish:newsletter' }),
    );
    expect(error.fields).toEqual(['expires_at']);
    // Restoring the copy does not help either: the signed expiry has passed.
    await edit(request.id, (stored) => {
      stored.expires_at = request.expires_at;
    });
    expect(
      await approvals.use(request.id, action, { capability: 'publish:newsletter' }),
    ).toMatchObject({ ok: false, code: 'expired' });
  });

  it('cannot make the owner sign a later expiry by editing a pending request', async () => {
    const approvals = queue();
    const request = await approvals.request({ actor: 'writer', capability: 'deploy', action });
    await edit(request.id, (stored) => {
      stored.expires_at = '2099-01-01T00:00:00.000Z';
    });
    const error = await tamperedError(approvals.get(request.id));
    expect(error.fields).toEqual(['expires_at']);
    // A signature over the edited expiry does not match the recorded facts.
    const forged = signApprovalDecision(
      { ...request, expires_at: '2099-01-01T00:00:00.000Z' },
      owner,
      { decision: 'approve', clock },
    );
    await tamperedError(approvals.decide(forged));
  });

  it('cannot show the owner a decoy action', async () => {
    const approvals = queue();
    const request = await approvals.request({
      actor: 'writer',
      capability: 'payments.send',
      action: { to: 'attacker', amount: '5000.00 USD' },
    });
    await edit(request.id, (stored) => {
      stored.action = { to: 'landlord', amount: '5.00 USD' };
    });
    const decoy = await tamperedError(approvals.get(request.id));
    expect(decoy.code).toBe('approval/inconsistent-action');
    expect(decoy.fields).toEqual(['action']);
    await tamperedError(approvals.list());
    // Rewriting the hash too contradicts the ledger's recorded hash.
    await edit(request.id, (stored) => {
      stored.action_hash = 'f'.repeat(64);
    });
    expect((await tamperedError(approvals.get(request.id))).code).toBe(
      'approval/inconsistent-action',
    );
  });

  it('cannot plant a request the ledger never recorded, or approve with its own key', async () => {
    const approvals = queue();
    const real = await approvals.request({ actor: 'writer', capability: 'deploy', action });
    const planted = JSON.parse(await readFile(fileOf(real.id), 'utf8'));
    planted.id = 'apr_01H8ZQK0V8Q5T2N7R4M6W9YB1C';
    await writeFile(fileOf(planted.id), JSON.stringify(planted));
    expect((await tamperedError(approvals.get(planted.id))).code).toBe('approval/not-recorded');
    // An approval signed by another key, appended to the ledger directly, does not count.
    await ledger.append({
      type: 'approval.approved',
      body: {
        approval_id: real.id,
        decision: signApprovalDecision(real, attacker, { decision: 'approve', clock }),
      },
    });
    expect((await approvals.get(real.id))?.status).toBe('pending');
    expect(await approvals.use(real.id, action, { capability: 'deploy' })).toMatchObject({
      ok: false,
      code: 'not-approved',
    });
  });

  it('refuses every single-field edit of a used approval (property)', async () => {
    const { approvals, request } = await approved();
    expect((await approvals.use(request.id, action, { capability: 'publish:newsletter' })).ok).toBe(
      true,
    );
    const original = await readFile(fileOf(request.id), 'utf8');
    const fields = [
      'status',
      'actor',
      'capability',
      'action',
      'action_hash',
      'expires_at',
      'requested_at',
      'reason',
      'decision',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue(), async (field, value) => {
        const stored = JSON.parse(original);
        stored[field] = field === 'status' ? 'approved' : value;
        await writeFile(fileOf(request.id), JSON.stringify(stored));
        const outcome = await approvals
          .use(request.id, stored.action, { capability: 'publish:newsletter' })
          .then(
            (result) => result.ok,
            (error: unknown) => ApprovalTamperedError.isInstance(error) && 'refused',
          );
        expect(outcome === 'refused' || outcome === false).toBe(true);
      }),
      { numRuns: 25 },
    );
    expect((await types()).filter((type) => type === 'approval.executed')).toHaveLength(1);
  });
});

describe('an attacker who can write safe-mode.json', () => {
  function brake() {
    return createSafeMode({ dir, owner: owner.did, ledger, clock });
  }
  const path = () => join(dir, 'safe-mode.json');

  it('cannot restore an older signed "off" after a newer "on" (rollback)', async () => {
    const safeMode = brake();
    await safeMode.enter({ signer: worker, reason: 'first' });
    await safeMode.exit({ signer: owner, reason: 'all clear' });
    await copyFile(path(), join(dir, 'old-off.json'));
    await safeMode.enter({ signer: worker, reason: 'something is wrong again' });
    await copyFile(join(dir, 'old-off.json'), path());
    const status = await brake().status();
    expect(status).toMatchObject({
      active: true,
      problemCode: 'safe-mode/rollback',
      state: { sequence: 3, active: true },
    });
    expect(status.problem).toContain('state 2 (off), older than the ledger');
  });

  it('stays on when the file is deleted while the ledger says on', async () => {
    const safeMode = brake();
    await safeMode.enter({ signer: worker, reason: 'stop' });
    await rm(path());
    const restarted = brake();
    expect(await restarted.status()).toMatchObject({ active: true, state: { sequence: 1 } });
    expect(restarted.isActive()).toBe(true);
  });

  it('cannot replay an old owner-signed exit record into the ledger', async () => {
    const safeMode = brake();
    await safeMode.enter({ signer: worker, reason: 'one' });
    const exited = await safeMode.exit({ signer: owner, reason: 'ok' });
    await safeMode.enter({ signer: worker, reason: 'two' });
    await ledger.append({ type: 'safe_mode.exited', body: { ...exited.state } });
    await writeFile(path(), JSON.stringify(exited.state));
    const status = await brake().status();
    expect(status).toMatchObject({ active: true, problemCode: 'safe-mode/tampered' });
    expect(status.problem).toContain('replayed');
    // The owner can still turn it off: a fresh signed state after the replay decides.
    await brake().exit({ signer: owner, reason: 'reviewed the replay' });
    expect(await brake().status()).toMatchObject({ active: false, state: { sequence: 4 } });
  });

  it('cannot switch it off with a file the ledger never recorded', async () => {
    const safeMode = brake();
    await safeMode.enter({ signer: worker, reason: 'stop' });
    const state = JSON.parse(await readFile(path(), 'utf8'));
    // A state signed by the attacker with a higher sequence is not in the ledger.
    const { signature: _ignored, ...body } = state;
    const { signPayload } = await import('./signed-json');
    const forged = { ...body, sequence: 9, active: false, changed_by: attacker.did };
    await writeFile(
      path(),
      JSON.stringify({ ...forged, signature: signPayload(forged, attacker) }),
    );
    expect(await brake().status()).toMatchObject({
      active: true,
      problemCode: 'safe-mode/tampered',
    });
  });

  it('never reads as off after any restored older copy (property)', async () => {
    const safeMode = brake();
    const copies: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }), async (steps) => {
        for (const on of steps) {
          if (on) await safeMode.enter({ signer: worker, reason: 'on' });
          else if ((await safeMode.status()).active)
            await safeMode.exit({ signer: owner, reason: 'off' });
          copies.push(await readFile(path(), 'utf8').catch(() => ''));
        }
        const latest = await readFile(path(), 'utf8').catch(() => '');
        const older = copies.filter((copy) => copy !== '' && copy !== latest);
        for (const copy of older) {
          await writeFile(path(), copy);
          const status = await brake().status();
          expect(status.active).toBe(true);
          expect(status.problemCode).toBe('safe-mode/rollback');
        }
        await writeFile(path(), latest);
      }),
      { numRuns: 5 },
    );
  });
});
