import { join } from 'node:path';
import { openLedger } from '@karnel/ledger';
import { createTreasury } from '@karnel/treasury';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../create-runtime';
import { changeGroupLifecycle } from '../lifecycle/group-lifecycle';
import { exportGroup } from '../migration/export-group';
import { importGroup } from '../migration/import-group';
import { ownedGroupCopy } from '../migration/test-group';
import { createScriptedExecutor } from '../testing/scripted-executor';
import { GroupNotRunnableError } from './lifecycle-gate';

/** Runs what is due once in `dir` with a scripted executor; resolves with the members that ran. */
async function runOnce(dir: string): Promise<string[]> {
  const ledger = await openLedger(join(dir, 'ledger'));
  try {
    const treasury = createTreasury({ dir: join(dir, 'treasury'), ledger });
    const executor = createScriptedExecutor({ ledger, treasury, script: () => ({ cost: '0.10' }) });
    const report = await createRuntime({ dir, executor, ledger, treasury }).runOnce();
    return report.runs.map((run) => run.member).sort();
  } finally {
    await ledger.close();
  }
}

async function entryTypes(dir: string): Promise<string[]> {
  const ledger = await openLedger(join(dir, 'ledger'));
  try {
    const types: string[] = [];
    for await (const entry of ledger.entries()) types.push(entry.type);
    return types;
  } finally {
    await ledger.close();
  }
}

describe('the runtime obeys the group lifecycle recorded in the ledger', () => {
  it('a paused group wakes no one until its owner resumes it', async () => {
    const { dir, owner } = await ownedGroupCopy();
    await changeGroupLifecycle(dir, 'pause', { signer: owner, reason: 'holiday' });
    expect(await runOnce(dir)).toEqual([]);
    await changeGroupLifecycle(dir, 'resume', { signer: owner });
    expect(await runOnce(dir)).toEqual(['researcher', 'strategist', 'writer']);
  });

  it('a dissolved group refuses to start', async () => {
    const { dir, owner } = await ownedGroupCopy();
    await changeGroupLifecycle(dir, 'dissolve', { signer: owner });
    const refused = await runOnce(dir).catch((error: unknown) => error);
    expect(GroupNotRunnableError.isInstance(refused)).toBe(true);
    expect((refused as Error).message).toContain('dissolved by its owner');
  });

  it('after a hand-off the old folder refuses to run and the imported one resumes the chain', async () => {
    const { dir, owner, root } = await ownedGroupCopy();
    const bundle = join(root, 'group.tar');
    await exportGroup({ dir, bundle, signer: owner });
    const refused = await runOnce(dir).catch((error: unknown) => error);
    expect(GroupNotRunnableError.isInstance(refused)).toBe(true);
    expect((refused as Error).message).toContain('handed off to another runtime');

    const into = join(root, 'group-b');
    await importGroup({ bundle, into, requirements: false });
    expect(await runOnce(into)).toEqual(['researcher', 'strategist', 'writer']);
    const types = await entryTypes(into);
    const handoff = types.indexOf('migration.handoff');
    const resumed = types.indexOf('migration.resumed');
    expect(handoff).toBeGreaterThanOrEqual(0);
    expect(resumed).toBeGreaterThan(handoff);
    expect(types.indexOf('run.started')).toBeGreaterThan(resumed);
  });
});
