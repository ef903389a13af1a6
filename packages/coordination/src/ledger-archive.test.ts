import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { openLedger, readLedgerEntries, verifyLedger } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { createMessage } from './create-message';
import { ArchiveIntegrityError } from './errors';
import { createLedgerArchive, readArchivedMessages } from './ledger-archive';

const clock = createManualClock('2026-05-03T10:00:00Z');

async function ledgerDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'karnel-')), 'ledger');
}

function sampleMessages() {
  const task = createMessage({
    type: 'task',
    from: 'triager',
    to: 'reviewer',
    clock,
    payload: { title: 'Review PR #31' },
  });
  const review = createMessage({
    type: 'review',
    from: 'reviewer',
    to: 'triager',
    clock,
    payload: {
      task: task.id,
      step: 0,
      action: 'code_review',
      verdict: 'reject',
      blocking: true,
      comments: 'needs a test',
    },
    cost: { amount: '0.0125', currency: 'USD' },
  });
  return [task, review];
}

describe('createLedgerArchive', () => {
  it('writes each message to the coordination log through a chained entry and reads them back', async () => {
    const dir = await ledgerDir();
    const ledger = await openLedger(dir);
    const archive = createLedgerArchive({ ledger });
    const messages = sampleMessages();
    const receipts = [];
    for (const message of messages) receipts.push(await archive.archive(message));
    expect(await archive.messages()).toEqual(messages);
    await ledger.close();

    const entries = [];
    for await (const entry of readLedgerEntries(dir, { type: 'coordination.logged' }))
      entries.push(entry);
    expect(entries.map((entry) => entry.body.event_type)).toEqual(['task', 'review']);
    expect(receipts).toEqual(
      entries.map((entry) => ({ archived: true, entry: `sha256:${entry.hash}` })),
    );
    const log = await readFile(join(dir, 'coordination_log.jsonl'), 'utf8');
    expect(
      log
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id),
    ).toEqual(messages.map((message) => message.id));
    expect((await verifyLedger(dir)).ok).toBe(true);
  });

  it('skips coordination events that are not messages', async () => {
    const dir = await ledgerDir();
    const ledger = await openLedger(dir);
    await ledger.appendCoordination({ type: 'heartbeat', member: 'triager' });
    const [task] = sampleMessages();
    await createLedgerArchive({ ledger }).archive(task!);
    await ledger.close();
    expect(await readArchivedMessages(dir)).toEqual([task]);
  });

  it('refuses to read back a message whose committed bytes were altered', async () => {
    const dir = await ledgerDir();
    const ledger = await openLedger(dir);
    const archive = createLedgerArchive({ ledger });
    for (const message of sampleMessages()) await archive.archive(message);
    await ledger.close();
    const path = join(dir, 'coordination_log.jsonl');
    await writeFile(path, (await readFile(path, 'utf8')).replace('needs a test', 'looks fine!!'));
    await expect(readArchivedMessages(dir)).rejects.toSatisfy(
      (error: unknown) => ArchiveIntegrityError.isInstance(error) && error.seq === 1,
    );
    const report = await verifyLedger(dir);
    expect(report.ok).toBe(false);
    expect(report.firstBad?.seq).toBe(1);
  });

  it('reports a coordination log that vanished as a damaged archive', async () => {
    const dir = await ledgerDir();
    const ledger = await openLedger(dir);
    await createLedgerArchive({ ledger }).archive(sampleMessages()[0]!);
    await ledger.close();
    await rm(join(dir, 'coordination_log.jsonl'));
    await expect(readArchivedMessages(dir)).rejects.toSatisfy(
      (error: unknown) => ArchiveIntegrityError.isInstance(error) && /ENOENT/.test(error.message),
    );
  });

  it('reads an empty or missing ledger as no messages', async () => {
    expect(await readArchivedMessages(await ledgerDir())).toEqual([]);
  });
});
