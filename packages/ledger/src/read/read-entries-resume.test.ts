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

  it('a read that stops early or is refused leaves nothing half-read behind for the next one', async () => {
    const ledgerDir = join(dir, 'ledger');
    await appendNotes(ledgerDir, 3);
    expect(await seqs(ledgerDir)).toEqual([0, 1, 2]);
    await appendNotes(ledgerDir, 3, 'b');
    // Stop after the first new entry: the next read still gets all of them.
    for await (const entry of readLedgerEntries(ledgerDir, { fromSeq: 3 })) {
      expect(entry.seq).toBe(3);
      break;
    }
    expect(await seqs(ledgerDir, 3)).toEqual([3, 4, 5]);
    // A line appended by someone else that does not continue the chain is refused, every time.
    const chain = join(ledgerDir, 'chain.jsonl');
    const lines = (await readFile(chain, 'utf8')).split('\n');
    await writeFile(chain, `${lines.slice(0, 6).join('\n')}\n${lines[4]}\n`);
    await expect(seqs(ledgerDir, 6)).rejects.toThrow(/ledger/i);
    await expect(seqs(ledgerDir, 6)).rejects.toThrow(/ledger/i);
    expect(await seqs(ledgerDir, 0).catch(() => 'refused')).toBe('refused');
  });

  it('reads on through entries longer than the buffer sized for a few new ones', async () => {
    const ledgerDir = join(dir, 'ledger');
    await appendNotes(ledgerDir, 2);
    expect(await seqs(ledgerDir)).toEqual([0, 1]);
    const ledger = await openLedger(ledgerDir);
    const long = 'x'.repeat(300_000);
    await ledger.append({ type: 'note.added', body: { label: long, index: 2 } });
    await ledger.append({ type: 'note.added', body: { label: 'c', index: 3 } });
    await ledger.close();
    const bodies: Array<{ label: string; index: number }> = [];
    for await (const entry of readLedgerEntries(ledgerDir, { fromSeq: 2 }))
      bodies.push(entry.body as { label: string; index: number });
    expect(bodies.map((body) => [body.label.length, body.index])).toEqual([
      [300_000, 2],
      [1, 3],
    ]);
  });
});
