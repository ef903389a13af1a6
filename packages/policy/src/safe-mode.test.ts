import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, createSigner, generateKeyPair } from '@karnel/core';
import { type LedgerEntry, openLedger } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { createApprovalQueue } from './approval-queue';
import { createAuthority } from './authority';
import { PolicyAuthorizationError } from './errors';
import { createPolicy } from './policy-engine';
import { createSafeMode, createSafeModeWatcher } from './safe-mode';

const owner = createSigner(generateKeyPair().secretKey);
const worker = createSigner(generateKeyPair().secretKey);

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
  const clock = createManualClock('2026-05-03T10:00:00Z');
  const ledger = await openLedger(join(dir, 'ledger'), { clock });
  const recorded = async () => {
    const entries: LedgerEntry[] = [];
    for await (const entry of ledger.entries()) entries.push(entry);
    return entries;
  };
  const authority = createAuthority({ dir, owner: owner.did, clock, ledger });
  const approvals = createApprovalQueue({ dir, authority, ledger, clock });
  const safeMode = createSafeMode({ dir, owner: owner.did, approvals, ledger, clock });
  return { dir, clock, ledger, recorded, approvals, safeMode };
}

describe('safe mode', () => {
  it('suspends everything but the kept reads, cancels pending approvals, and is a signed ledger entry', async () => {
    const { recorded, approvals, safeMode } = await setup();
    await safeMode.status();
    const policy = createPolicy({
      rules: [
        { effect: 'allow', capability: 'fs.read' },
        { effect: 'allow', capability: 'net' },
      ],
      safeMode: { active: () => safeMode.isActive(), allow: ['fs.read:./workspace/**'] },
    });
    const pending = await approvals.request({
      actor: 'writer',
      capability: 'publish',
      action: { post: 1 },
    });
    expect(policy.decide({ actor: 'a', capability: 'net:x.org' }).effect).toBe('allow');
    const entered = await safeMode.enter({ signer: worker, reason: 'operator pressed the brake' });
    expect(entered).toMatchObject({ active: true, cancelledApprovals: [pending.id] });
    expect(policy.decide({ actor: 'a', capability: 'net:x.org' }).effect).toBe('deny');
    expect(policy.decide({ actor: 'a', capability: 'fs.read:./workspace/a' }).effect).toBe('allow');
    expect((await approvals.get(pending.id))?.status).toBe('cancelled');
    expect((await recorded()).map((record) => record.type)).toEqual([
      'approval.requested',
      'safe_mode.entered',
      'approval.cancelled',
    ]);
    expect((await recorded())[1]?.signer).toBe(worker.did);
  });

  it('needs the owner key to leave, and survives a restart', async () => {
    const { dir, recorded, safeMode, clock, ledger } = await setup();
    await safeMode.enter({ signer: worker, reason: 'test' });
    await expect(safeMode.exit({ signer: worker, reason: 'let me out' })).rejects.toSatisfy(
      PolicyAuthorizationError.isInstance,
    );
    const restarted = createSafeMode({ dir, owner: owner.did, clock, ledger });
    expect(restarted.isActive()).toBe(true);
    expect((await restarted.status()).active).toBe(true);
    await safeMode.exit({ signer: owner, reason: 'all clear' });
    expect((await restarted.status()).active).toBe(false);
    expect(restarted.isActive()).toBe(false);
    expect((await recorded()).map((record) => record.type)).toEqual([
      'safe_mode.entered',
      'safe_mode.exited',
    ]);
  });

  it('stays on when the state file is edited to switch it off', async () => {
    const { dir, safeMode } = await setup();
    await safeMode.enter({ signer: worker, reason: 'test' });
    const path = join(dir, 'safe-mode.json');
    const state = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...state, active: false }));
    expect(await safeMode.status()).toMatchObject({
      active: true,
      problem: expect.stringContaining('signature'),
    });
    await writeFile(path, 'garbage');
    expect(await safeMode.status()).toMatchObject({
      active: true,
      problem: expect.stringContaining('JSON'),
    });
  });

  it('turns on by itself after repeated denials or a budget overrun', async () => {
    const { safeMode, clock } = await setup();
    await safeMode.status();
    const watcher = createSafeModeWatcher({
      safeMode,
      signer: worker,
      repeatedDenials: { count: 3, withinMs: 60_000 },
      clock,
    });
    const policy = createPolicy();
    const denied = policy.decide({ actor: 'a', capability: 'deploy' });
    expect(await watcher.observe(denied)).toBe(false);
    clock.advance(61_000);
    expect(await watcher.observe(denied)).toBe(false);
    expect(await watcher.observe(denied)).toBe(false);
    expect(safeMode.isActive()).toBe(false);
    expect(await watcher.observe(denied)).toBe(true);
    expect((await safeMode.status()).state?.trigger).toBe('repeated-denials');
    await safeMode.exit({ signer: owner, reason: 'reviewed' });
    await watcher.budgetOverrun({ spent: '52.00', budget: '50.00', period: 'week' });
    expect((await safeMode.status()).state).toMatchObject({
      active: true,
      trigger: 'budget-overrun',
    });
  });
});
