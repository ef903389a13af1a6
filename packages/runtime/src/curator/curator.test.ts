import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManualClock, pathKind } from '@karnel/core';
import { openLedger, verifyLedger } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { acquireGroupLease } from '../lease/group-lease';
import { changeGroupLifecycle } from '../lifecycle/group-lifecycle';
import { exportGroup } from '../migration/export-group';
import { MigrationError } from '../migration/migration-error';
import { ownedGroupCopy } from '../migration/test-group';
import { daysAgo, libraryWithHistory, treeHashes } from './library-with-history.test-support';
import { rollbackCuratorMutation } from './rollback-mutation';
import { runCurator } from './run-curator';

const outsideLedger = (hashes: Record<string, string>) =>
  Object.fromEntries(Object.entries(hashes).filter(([path]) => !path.startsWith('ledger/')));

describe('curator', () => {
  it('grades by ledgered usage; a dry run changes nothing', async () => {
    const { dir, clock } = await libraryWithHistory();
    const before = await treeHashes(dir);
    const chainBefore = await readFile(join(dir, 'ledger/chain.jsonl'));
    const report = await runCurator(dir, { dryRun: true, clock });
    expect(await treeHashes(dir)).toEqual(before);
    expect(await readFile(join(dir, 'ledger/chain.jsonl'))).toEqual(chainBefore);
    expect(await pathKind(join(dir, '.karnel'))).toBe('missing');
    const grades = Object.fromEntries(
      report.skills.map((skill) => [skill.name, [skill.grade, skill.uses]]),
    );
    expect(grades).toEqual({
      'draft-newsletter-issue': ['active', 3],
      'research-arxiv-trending': ['stale', 2],
      'weekly-strategic-review': ['archived', 1],
      'review-draft': ['pinned', 0],
      'hub-headlines': ['protected', 0],
    });
    expect(report.skills[0]?.name).toBe('draft-newsletter-issue');
    expect(report.mutations.map((mutation) => [mutation.skill, mutation.to])).toEqual([
      ['weekly-strategic-review', 'agents/strategist/skills/.archive/weekly-strategic-review'],
    ]);
    expect(report.staleHypotheses.map((hypothesis) => hypothesis.id)).toContain(
      'hyp_01KR62VY8070WVRDWBB7D1KB2M',
    );
  });

  it('archives (never deletes) with a snapshot and ledgered hashes; rollback restores the exact bytes', async () => {
    const { dir, clock } = await libraryWithHistory();
    const before = await treeHashes(dir);
    const report = await runCurator(dir, { clock });
    expect(report.snapshot?.path).toMatch(/^\.karnel\/curator\/snapshots\/.+\.tar$/);
    const [mutation] = report.mutations;
    expect(mutation?.from).toBe('agents/strategist/skills/weekly-strategic-review');
    expect(await pathKind(join(dir, mutation!.from))).toBe('missing');
    expect(await readdir(join(dir, mutation!.to))).toEqual(['SKILL.md', 'karnel.yaml']);
    expect(mutation?.before.map((file) => file.sha256)).toEqual(
      mutation?.after.map((file) => file.sha256),
    );
    // Protected and pinned skills are untouched, byte for byte.
    const after = await treeHashes(dir);
    for (const path of Object.keys(before).filter((path) =>
      /hub-headlines|review-draft/.test(path),
    ))
      expect(after[path]).toBe(before[path]);
    expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);

    // An agent edits the archived copy; rollback still restores the bytes from before.
    await writeFile(join(dir, mutation!.to, 'SKILL.md'), 'rewritten\n');
    await rollbackCuratorMutation(dir, mutation!.mutation);
    const restored = await treeHashes(dir);
    for (const path of Object.keys(before).filter((path) => path.startsWith(mutation!.from)))
      expect(restored[path]).toBe(before[path]);
    await expect(rollbackCuratorMutation(dir, mutation!.mutation)).rejects.toThrow(
      'already rolled back',
    );
    await expect(rollbackCuratorMutation(dir, 'ent_01KZZZZZZZZZZZZZZZZZZZZZZZ')).rejects.toSatisfy(
      MigrationError.isInstance,
    );
    // The restored skill is still unused for 40 days: the next pass archives it again, as a
    // new ledgered mutation with its own id.
    const second = await runCurator(dir, { clock });
    expect(second.mutations).toHaveLength(1);
    expect(second.mutations[0]?.mutation).not.toBe(mutation!.mutation);
  });

  it("counts a run's allowed use_skill steps as uses, and refuses a step file changed on disk", async () => {
    const { dir, clock } = await libraryWithHistory();
    // A run loads the research skill through the runtime's use_skill tool three days ago (no
    // worker ran code, so there is no skill.run_started), and is denied another skill.
    const ledger = await openLedger(join(dir, 'ledger'), {
      clock: createManualClock(daysAgo(3)),
    });
    const { runId } = await ledger.startRun({ manifest: { member: 'researcher' } });
    await ledger.appendStep(runId, {
      runId,
      step: 0,
      kind: 'tool',
      tool: 'use_skill',
      toolCallId: 'call-0',
      decision: 'allow',
      output: { name: 'research-arxiv-trending', instructions: '# research-arxiv-trending' },
    });
    await ledger.appendStep(runId, {
      runId,
      step: 1,
      kind: 'tool',
      tool: 'use_skill',
      toolCallId: 'call-1',
      decision: 'deny',
      error: 'denied',
      output: { name: 'weekly-strategic-review' },
    });
    await ledger.close();
    const report = await runCurator(dir, { dryRun: true, clock });
    const research = report.skills.find((skill) => skill.name === 'research-arxiv-trending');
    expect(research).toMatchObject({ grade: 'active', uses: 3, lastUsed: daysAgo(3) });
    const strategic = report.skills.find((skill) => skill.name === 'weekly-strategic-review');
    expect(strategic).toMatchObject({ grade: 'archived', uses: 1 });

    const steps = join(dir, 'ledger/runs', runId, 'steps.jsonl');
    await writeFile(steps, (await readFile(steps, 'utf8')).replace('"allow"', '"allaw"'));
    const refused = await runCurator(dir, { dryRun: true, clock }).catch((error) => error);
    expect(MigrationError.isInstance(refused)).toBe(true);
    expect(refused.message).toContain(`runs/${runId}/steps.jsonl does not match ledger entry`);
  });

  it('changes nothing under a running runtime, nor in a dissolved or handed-off group', async () => {
    const { dir, owner, root, clock } = await libraryWithHistory();
    const ledger = await openLedger(join(dir, 'ledger'));
    const lease = await acquireGroupLease({ dir, ledger });
    const before = await treeHashes(dir);
    const running = await runCurator(dir, { clock }).catch((error) => error);
    expect(running).toMatchObject({ code: 'migration/running' });
    expect(running.message).toContain(`pid ${process.pid}`);
    await expect(
      rollbackCuratorMutation(dir, 'ent_01KZZZZZZZZZZZZZZZZZZZZZZZ'),
    ).rejects.toMatchObject({ code: 'migration/running' });
    // A dry run writes nothing, so it may look while the runtime runs.
    expect((await runCurator(dir, { dryRun: true, clock })).mutations).toHaveLength(1);
    expect(await treeHashes(dir)).toEqual(before);
    await lease.release();
    await ledger.close();

    // Once the runtime is gone the pass runs, and gives the lease back.
    const report = await runCurator(dir, { clock });
    expect(report.mutations).toHaveLength(1);
    expect(await pathKind(join(dir, '.karnel/runtime.lease'))).toBe('missing');

    await exportGroup({ dir, bundle: join(root, 'away.tar'), signer: owner });
    const afterHandoff = outsideLedger(await treeHashes(dir));
    await expect(runCurator(dir, { clock })).rejects.toMatchObject({ code: 'migration/invalid' });
    await expect(rollbackCuratorMutation(dir, report.mutations[0]!.mutation)).rejects.toMatchObject(
      { code: 'migration/invalid', message: expect.stringContaining('handed-off') },
    );
    await changeGroupLifecycle(dir, 'dissolve', { signer: owner });
    await expect(runCurator(dir, { clock })).rejects.toMatchObject({
      code: 'migration/invalid',
      message: expect.stringContaining('dissolved'),
    });
    expect(outsideLedger(await treeHashes(dir))).toEqual(afterHandoff);
  });

  it('names an unknown mutation id as a quoted string, so a line feed in it cannot forge output', async () => {
    const { dir } = await ownedGroupCopy();
    await expect(rollbackCuratorMutation(dir, 'x\nrolled back ent_1')).rejects.toThrow(
      'no curator mutation "x\\nrolled back ent_1" in the ledger',
    );
  });

  it('reports curator.yaml mistakes with file, line and column', async () => {
    const { dir } = await ownedGroupCopy();
    await writeFile(join(dir, 'curator.yaml'), 'pinned: ["a"]\nstale_after_days: soon\n');
    await expect(runCurator(dir, { dryRun: true })).rejects.toMatchObject({
      diagnostics: [expect.objectContaining({ file: 'curator.yaml', line: 2 })],
    });
  });
});
