import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, createSigner, generateKeyPair } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEntry } from '../format/entry';
import { type LedgerEntry, openLedger, readLedgerEntries, verifyLedger } from '../index';

const owner = createSigner(generateKeyPair().secretKey);
let dir: string;
let ledgerDir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
  ledgerDir = join(dir, 'ledger');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function all(path: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const entry of readLedgerEntries(path)) entries.push(entry);
  return entries;
}

/** 30 entries, a snapshot at 30, 5 more; returns the open run and a checkpoint of 20. */
async function build() {
  const ledger = await openLedger(ledgerDir, { clock: createManualClock('2026-05-03T00:00:00Z') });
  const { runId } = await ledger.startRun({ runId: 'run_long' });
  for (let index = 0; index < 20; index++) await ledger.appendStep(runId, { n: index });
  const { decisionId } = await ledger.recordDecision({ context: { a: 1 }, reasoning: 'why' });
  const older = await ledger.checkpoint(owner);
  for (let index = 0; index < 8; index++) await ledger.appendCoordination({ n: 100 + index });
  const early = await ledger.checkpoint(owner);
  const snapshot = await ledger.snapshot(owner);
  for (let index = 0; index < 5; index++) await ledger.appendStep(runId, { n: 20 + index });
  return { ledger, runId, decisionId, older, early, snapshot };
}

describe('snapshot-and-supersede archiving', () => {
  it('moves the entries before a signed snapshot to archive/, and the ledger stays verifiable', async () => {
    const { ledger, runId, decisionId, older: oldest, early, snapshot } = await build();
    expect(oldest.size).toBe(22);
    expect(snapshot).toMatchObject({ seq: 30, type: 'ledger.snapshot', signer: owner.did });
    expect(snapshot.body).toMatchObject({ size: 30, root: early.root, coordination_lines: 8 });
    expect(early.size).toBe(30);
    const before = await all(ledgerDir);
    const result = await ledger.archive();
    expect(result).toEqual({
      archived: 30,
      segment: 'archive/chain-000000000000-000000000029.jsonl',
      base: 30,
    });
    const live = (await readFile(join(ledgerDir, 'chain.jsonl'), 'utf8')).trim().split('\n');
    expect(live).toHaveLength(6);
    expect(JSON.parse(live[0]!).entry.seq).toBe(30);

    // With the archive: everything verifies, as before, and reads in order.
    expect((await all(ledgerDir)).map((entry) => entry.hash)).toEqual(
      before.map((entry) => entry.hash),
    );
    const full = await verifyLedger(ledgerDir, {
      checkpoint: early,
      trustedKeys: [owner.did],
      root: true,
    });
    expect(full.diagnostics).toEqual([]);
    expect(full).toMatchObject({ ok: true, entries: 36 });

    // The writer goes on, in this process and in a new one.
    await ledger.appendStep(runId, { n: 'after archiving' });
    await ledger.recordOutcome({ decisionId, outcome: { ok: true } });
    await ledger.close();

    // Without the archive (moved to cold storage): verified from the signed snapshot, down to
    // the same Merkle root over all 38 entries.
    const withArchive = await verifyLedger(ledgerDir, { root: true });
    await rename(join(ledgerDir, 'archive'), join(dir, 'cold'));
    const alone = await verifyLedger(ledgerDir, { trustedKeys: [owner.did], root: true });
    expect(alone.diagnostics).toEqual([]);
    expect(alone).toMatchObject({ ok: true, entries: 38, root: withArchive.root });
    expect(alone.root).toMatch(/^[0-9a-f]{64}$/);
    // A checkpoint of exactly the snapshot's size is checked against the snapshot's frontier;
    // an older one needs the archive.
    expect((await verifyLedger(ledgerDir, { checkpoint: early })).diagnostics).toEqual([]);
    const older = await verifyLedger(ledgerDir, { checkpoint: oldest });
    expect(older.ok).toBe(true);
    expect(older.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
      'ledger/checkpoint-archived',
    ]);

    const reopened = await openLedger(ledgerDir);
    const step = await reopened.appendStep(runId, { n: 'from the snapshot state' });
    expect(step.seq).toBe(38);
    await expect(reopened.recordOutcome({ decisionId, outcome: {} })).rejects.toThrow(
      /already has an outcome/,
    );
    const checkpoint = await reopened.checkpoint(owner);
    expect(checkpoint.origin).toBe(early.origin);
    await reopened.close();
    expect((await verifyLedger(ledgerDir, { checkpoint })).ok).toBe(true);

    // Putting the archive back restores proofs over the whole history.
    await rename(join(dir, 'cold'), join(ledgerDir, 'archive'));
    const restored = await openLedger(ledgerDir);
    const proof = await restored.proveConsistency(early.size);
    expect(proof.oldRoot).toBe(early.root);
    expect((await verifyLedger(ledgerDir, { checkpoint: oldest })).diagnostics).toEqual([]);
    expect((await restored.proveConsistency(oldest.size)).oldRoot).toBe(oldest.root);
    await restored.close();
  });

  it('a crash between writing the segment and replacing the chain loses and duplicates nothing', async () => {
    const { ledger } = await build();
    await ledger.close();
    const chain = await readFile(join(ledgerDir, 'chain.jsonl'));
    await (await openLedger(ledgerDir)).archive();
    // Put the pre-archive chain back: as if the process died after writing the segment.
    await writeFile(join(ledgerDir, 'chain.jsonl'), chain);
    expect(await readdir(join(ledgerDir, 'archive'))).toHaveLength(1);
    expect(await verifyLedger(ledgerDir)).toMatchObject({ ok: true, entries: 36 });
    expect(await all(ledgerDir)).toHaveLength(36);
    const reopened = await openLedger(ledgerDir);
    expect((await reopened.append({ type: 'test.after', body: {} })).seq).toBe(36);
    await reopened.close();
    expect(await verifyLedger(ledgerDir)).toMatchObject({ ok: true, entries: 37 });
  });

  it('refuses a forged or lying snapshot', async () => {
    const { ledger, snapshot } = await build();
    await ledger.archive();
    await ledger.close();
    await rm(join(ledgerDir, 'archive'), { recursive: true });
    const chainPath = join(ledgerDir, 'chain.jsonl');
    const lines = (await readFile(chainPath, 'utf8')).trim().split('\n');

    // A snapshot rebuilt without the owner's key (unsigned) cannot vouch for the archived part.
    const forged = encodeEntry({
      seq: snapshot.seq,
      prev: snapshot.prev,
      time: snapshot.time,
      type: snapshot.type,
      body: snapshot.body,
      files: [],
    })
      .line.toString('utf8')
      .trimEnd();
    await writeFile(chainPath, `${[forged].join('\n')}\n`);
    const unsigned = await verifyLedger(ledgerDir);
    expect(unsigned.firstBad).toMatchObject({ seq: 30, code: 'ledger/unsigned-snapshot' });

    // A signed snapshot is still checked against the files it describes.
    await writeFile(chainPath, `${lines.join('\n')}\n`);
    const steps = join(ledgerDir, 'runs', 'run_long', 'steps.jsonl');
    const content = await readFile(steps);
    content[3] = content[3]! ^ 1;
    await writeFile(steps, content);
    const report = await verifyLedger(ledgerDir);
    expect(report.firstBad).toMatchObject({ seq: 30, code: 'ledger/file-mismatch' });

    // And the body is hashed like any entry's.
    await writeFile(
      chainPath,
      `${[lines[0]!.replace('"coordination_lines":8', '"coordination_lines":9'), ...lines.slice(1)].join('\n')}\n`,
    );
    expect((await verifyLedger(ledgerDir)).firstBad).toMatchObject({
      seq: 30,
      code: 'ledger/hash-mismatch',
    });
  });
});
