import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner, generateKeyPair, type Signer } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../create-runtime';
import { exportGroup } from '../migration/export-group';
import { importGroup } from '../migration/import-group';
import { ownedGroupCopy } from '../migration/test-group';
import { requestWake } from '../scheduler/request-wake';
import { generateGroup } from '../testing/generate-group';
import { createScriptedExecutor } from '../testing/scripted-executor';
import { recordMembership } from './group-lifecycle';
import { groupLifecycleState } from './group-lifecycle-state';

const newSigner = () => createSigner(generateKeyPair().secretKey);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-rebind-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An owner-signed hand-off, then the destination's resume: what an export and import leave. */
async function handOff(groupDir: string, owner: Signer): Promise<void> {
  const ledger = await openLedger(join(groupDir, 'ledger'), { signer: owner });
  const checkpoint = await ledger.checkpoint(owner);
  await ledger.append({
    type: 'migration.handoff',
    body: {
      group: 'g',
      checkpoint: checkpoint.text,
      files: [],
      exported_at: '2026-12-06T10:00:00Z',
    },
  });
  await ledger.append({ type: 'migration.resumed', body: {} });
  await ledger.close();
}

describe('an independently owned member after a hand-off', () => {
  it('is not woken until it joins again co-signed with its own key; another key does not count', async () => {
    const owner = newSigner();
    const member = newSigner();
    await generateGroup(dir, { members: 2, cadence: 'on_demand', owner: owner.did });
    await recordMembership(dir, {
      signer: owner,
      member: 'agent_000',
      change: 'joined',
      memberSigner: member,
    });
    expect((await groupLifecycleState(dir)).awaitingRebind).toEqual([]);
    await handOff(dir, owner);
    expect(await groupLifecycleState(dir)).toMatchObject({
      state: 'active',
      awaitingRebind: ['agent_000'],
    });

    await requestWake({ dir, member: 'agent_000', reason: 'go' });
    await requestWake({ dir, member: 'agent_001', reason: 'go' });
    const ledger = await openLedger(join(dir, 'ledger'));
    const executor = createScriptedExecutor({ ledger });
    const runtime = createRuntime({ dir, executor, ledger });
    try {
      const held = (await runtime.dryRun()).find((wake) => wake.member === 'agent_000');
      expect(held?.heldBy).toContain('has not re-bound since the hand-off');
      await runtime.runOnce();
      expect(executor.tickets.map((ticket) => ticket.member)).toEqual(['agent_001']);

      // Someone else's key co-signing the join is not the member re-binding.
      await recordMembership(dir, {
        signer: owner,
        member: 'agent_000',
        change: 'joined',
        memberSigner: newSigner(),
      });
      const state = await groupLifecycleState(dir);
      expect(state.awaitingRebind).toEqual(['agent_000']);
      expect(state.ignored.at(-1)).toContain('with a key other than its own');

      await recordMembership(dir, {
        signer: owner,
        member: 'agent_000',
        change: 'joined',
        memberSigner: member,
        reason: 're-bound after the move',
      });
      expect((await groupLifecycleState(dir)).awaitingRebind).toEqual([]);
      await runtime.runOnce();
      expect(executor.tickets.map((ticket) => ticket.member)).toEqual(['agent_001', 'agent_000']);
    } finally {
      // Stopping a runtime that runOnce already closed resolves at once.
      await runtime.stop();
      await ledger.close();
    }
  });

  it('is reported by the import as a requirement to resolve', async () => {
    const { dir: source, owner, root } = await ownedGroupCopy();
    await recordMembership(source, {
      signer: owner,
      member: 'specialist_writer',
      change: 'joined',
      kind: 'foreign',
      memberSigner: newSigner(),
    });
    const bundle = join(root, 'group.karnel.tar');
    await exportGroup({ dir: source, bundle, signer: owner });
    const imported = await importGroup({
      bundle,
      into: join(root, 'b'),
      requirements: { skipAdapterChecks: true, machineFile: false },
    });
    const rebind = imported.unresolved.filter((problem) => problem.kind === 'rebind');
    expect(rebind.map((problem) => problem.name)).toEqual(['specialist_writer']);
    expect(rebind[0]?.reason).toContain('co-signed with its key');
  });
});
