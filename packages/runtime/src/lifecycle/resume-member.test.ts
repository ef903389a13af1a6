import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, createSigner, generateKeyPair } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../create-runtime';
import { MigrationError } from '../migration/migration-error';
import { requestWake } from '../scheduler/request-wake';
import { generateGroup } from '../testing/generate-group';
import { createScriptedExecutor, type ScriptedOutcome } from '../testing/scripted-executor';
import { resumeMember } from './resume-member';

const newSigner = () => createSigner(generateKeyPair().secretKey);
const clock = createManualClock('2026-12-06T10:00:00Z');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-resume-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<MigrationError> {
  try {
    await promise;
  } catch (error) {
    if (MigrationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a MigrationError');
}

/** Wakes agent_000 once by hand and runs one tick; returns how many runs agent_000 got. */
async function wakeAndTick(healthy: boolean): Promise<number> {
  const ledger = await openLedger(join(dir, 'ledger'), { clock });
  try {
    const executor = createScriptedExecutor({
      ledger,
      script: (ticket): ScriptedOutcome =>
        ticket.member === 'agent_000' && !healthy
          ? { status: 'failed', error: 'tool crashed' }
          : {},
    });
    await requestWake({ dir, member: 'agent_000', reason: 'try again', clock });
    await createRuntime({ dir, executor, ledger, clock }).runOnce();
    return executor.tickets.filter((ticket) => ticket.member === 'agent_000').length;
  } finally {
    await ledger.close();
  }
}

async function appendByHand(signer?: ReturnType<typeof newSigner>) {
  const ledger = await openLedger(join(dir, 'ledger'), { clock });
  try {
    await ledger.append(
      { type: 'member.resumed', body: { member: 'agent_000', why: 'forged' } },
      signer ? { signer } : {},
    );
  } finally {
    await ledger.close();
  }
}

describe('resumeMember', () => {
  it('lifts a circuit-breaker pause only with the owner key; a resume nobody signed is ignored', async () => {
    const owner = newSigner();
    await generateGroup(dir, { members: 2, cadence: 'on_demand', owner: owner.did });
    let runs = 0;
    for (let attempt = 0; attempt < 4; attempt++) runs += await wakeAndTick(false);
    expect(runs).toBe(3);
    // Paused by the circuit breaker: a fresh wake runs nothing.
    expect(await wakeAndTick(true)).toBe(0);

    // A resume anyone with write access appended: unsigned. The member stays paused.
    await appendByHand();
    expect(await wakeAndTick(true)).toBe(0);

    const stranger = newSigner();
    const notOwner = await refusal(resumeMember(dir, { member: 'agent_000', signer: stranger }));
    expect(notOwner.code).toBe('migration/not-owner');
    expect(notOwner.message).toContain("is not the group's owner");
    // The owner is pinned now; a resume signed by another key does not count either.
    await appendByHand(stranger);
    expect(await wakeAndTick(true)).toBe(0);

    const entry = await resumeMember(dir, {
      member: 'agent_000',
      signer: owner,
      reason: 'tool fixed',
      clock,
    });
    expect(entry).toMatchObject({
      type: 'member.resumed',
      signer: owner.did,
      body: { member: 'agent_000', why: 'tool fixed' },
    });
    expect(await wakeAndTick(true)).toBe(1);

    const again = await refusal(resumeMember(dir, { member: 'agent_000', signer: owner }));
    expect(again.code).toBe('migration/invalid');
    expect(again.message).toBe('the member "agent_000" is not paused; there is nothing to resume');
  });

  it('refuses a member the group does not have', async () => {
    const owner = newSigner();
    await generateGroup(dir, { members: 1, cadence: 'on_demand', owner: owner.did });
    const unknown = await refusal(resumeMember(dir, { member: 'agent_009', signer: owner }));
    expect(unknown.code).toBe('migration/invalid');
    expect(unknown.message).toContain('the group has no member "agent_009"');
    expect(unknown.message).toContain('agent_000');
  });
});
