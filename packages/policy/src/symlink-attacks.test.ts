/**
 * An attacker who can write the directory (a skill with file-write capability, a tool) swaps a
 * copy the runtime reads — an approval request, safe-mode.json — for a symbolic link to a file
 * outside it. The copy must be refused as tampered, its target never read.
 */
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, createSigner, generateKeyPair } from '@karnel/core';
import { type Ledger, openLedger } from '@karnel/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signApprovalDecision } from './approval-decision';
import { createApprovalQueue } from './approval-queue';
import { createAuthority } from './authority';
import { ApprovalTamperedError } from './errors';
import { createSafeMode } from './safe-mode';

const owner = createSigner(generateKeyPair().secretKey);
const worker = createSigner(generateKeyPair().secretKey);
const HOUR = 60 * 60 * 1000;

let base: string;
let dir: string;
let secret: string;
let clock: ReturnType<typeof createManualClock>;
let ledger: Ledger;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'karnel-symlink-attack-'));
  dir = join(base, 'group');
  secret = join(base, 'secret.json');
  await mkdir(dir);
  clock = createManualClock('2026-05-03T10:00:00Z');
  ledger = await openLedger(join(dir, 'ledger'), { clock });
});

afterEach(async () => {
  await ledger.close();
  await rm(base, { recursive: true, force: true });
});

describe('a copy swapped for a symlink leading out of the directory', () => {
  it('an approval request copy is refused as tampered, naming the link, its target unread', async () => {
    const authority = createAuthority({ dir, owner: owner.did, clock, ledger });
    const approvals = createApprovalQueue({ dir, authority, ledger, clock, ttlMs: HOUR });
    const request = await approvals.request({
      actor: 'writer',
      capability: 'publish:newsletter',
      action: { kind: 'publish', issue: 42 },
      requester: worker,
    });
    const file = join(dir, 'approvals', `${request.id}.json`);
    // The very same request, outside: only where it lives differs.
    await writeFile(secret, await readFile(file, 'utf8'));
    await rm(file);
    await symlink(secret, file);
    const error = await approvals.get(request.id).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(ApprovalTamperedError.isInstance(error)).toBe(true);
    expect((error as ApprovalTamperedError).message).toContain(
      `"approvals/${request.id}.json" leads outside`,
    );
    const decided = await approvals
      .decide(signApprovalDecision(request, owner, { decision: 'approve', clock }))
      .then(
        (answer) => answer,
        (caught: unknown) => caught,
      );
    expect(decided).not.toMatchObject({ ok: true });
  });

  it('safe-mode.json leading outside makes the brake untrusted (on), never reads the target', async () => {
    const safeMode = createSafeMode({ dir, owner: owner.did, ledger, clock });
    await safeMode.enter({ signer: worker, reason: 'stop' });
    const exited = await safeMode.exit({ signer: owner, reason: 'fine' });
    expect(exited.state?.active).toBe(false);
    await rename(join(dir, 'safe-mode.json'), secret);
    await symlink(secret, join(dir, 'safe-mode.json'));
    const status = await createSafeMode({ dir, owner: owner.did, ledger, clock }).status();
    expect(status).toMatchObject({ active: true, problemCode: 'safe-mode/tampered' });
    expect(status.problem).toContain('"safe-mode.json" leads outside');
  });
});
