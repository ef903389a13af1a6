import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../index';
import { readLedgerEntries } from './read-entries';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function seqs(ledgerDir: string, fromSeq = 0): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of readLedgerEntries(ledgerDir, { fromSeq })) found.push(entry.seq);
  return found;
}

async function appendNotes(ledgerDir: string, count: number, label = 'a'): Promise<void> {
  const ledger = await openLedger(ledgerDir);
  for (let index = 0; index < count; index++)
    await ledger.append({ type: 'note.added', body: { label, index } });
  await ledger.close();
}

describe('reading on from the end of an earlier read', () => {
  it('yields exactly the entries appended since, and everything when asked from the start', async () => {
    const ledgerDir = join(dir, 'ledger');
    await appendNotes(ledgerDir, 5);
    expect(await seqs(ledgerDir)).toEqual([0, 1, 2, 3, 4]);
    await appendNotes(ledgerDir, 3);
    expect(await seqs(ledgerDir, 5)).toEqual([5, 6, 7]);
    expect(await seqs(ledgerDir, 8)).toEqual([]);
    expect(await seqs(ledgerDir)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const bodies: unknown[] = [];
    for await (const entry of readLedgerEntries(ledgerDir, { fromSeq: 6 })) bodies.push(entry.body);
    expect(bodies).toEqual([
      { label: 'a', index: 1 },
      { label: 'a', index: 2 },
    ]);
  });

  it('reads entries from before the end of an earlier read back from their offsets, checking their hashes', async () => {
    const ledgerDir = join(dir, 'ledger');
    await appendNotes(ledgerDir, 4);
    expect(await seqs(ledgerDir)).toEqual([0, 1, 2, 3]);
    await appendNotes(ledgerDir, 2, 'b');
    expect(await seqs(ledgerDir, 4)).toEqual([4, 5]);
    expect(await seqs(ledgerDir, 1)).toEqual([1, 2, 3, 4, 5]);
    const labels: unknown[] = [];
    for await (const entry of readLedgerEntries(ledgerDir, { fromSeq: 3, type: 'note' }))
      labels.push((entry.body as { label: string }).label);
    expect(labels).toEqual(['a', 'b', 'b']);
    // An already-read line changed in place (same size) is caught, not handed out.
    const chain = join(ledgerDir, 'chain.jsonl');
    const text = await readFile(chain, 'utf8');
    await writeFile(chain, text.replace('"index":2', '"index":7'));
    await expect(seqs(ledgerDir, 2)).rejects.toThrow(/ledger/i);
  });

  it('starts over when the chain file was replaced, and checks it from its first line', async () => {
    const ledgerDir = join(dir, 'ledger');
    const otherDir = join(dir, 'other');
    await appendNotes(ledgerDir, 3);
    await appendNotes(otherDir, 6, 'b');
    expect(await seqs(ledgerDir)).toEqual([0, 1, 2]);
    // Replace the chain with another ledger's (a new file, as archiving writes one).
    await copyFile(join(otherDir, 'chain.jsonl'), join(ledgerDir, 'chain.tmp'));
    await rename(join(ledgerDir, 'chain.tmp'), join(ledgerDir, 'chain.jsonl'));
    const labels: unknown[] = [];
    for await (const entry of readLedgerEntries(ledgerDir, { fromSeq: 3 }))
      labels.push((entry.body as { label: string }).label);
    expect(labels).toEqual(['b', 'b', 'b']);
  });
});
