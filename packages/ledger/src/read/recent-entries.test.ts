import { appendFile, mkdtemp, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../format/entry';
import { openLedger } from '../index';
import { readLedgerEntries } from './read-entries';
import { RecentEntries } from './recent-entries';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(entries: AsyncIterable<LedgerEntry>): Promise<LedgerEntry[]> {
  const found: LedgerEntry[] = [];
  for await (const entry of entries) found.push(entry);
  return found;
}

describe("a ledger's entries from seq on, after its own appends", () => {
  it('are the entries of the chain file, byte for byte what a fresh read of the file gives', async () => {
    const ledgerDir = join(dir, 'ledger');
    const ledger = await openLedger(ledgerDir, { groupCommit: true });
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        ledger.append({ type: index % 2 ? 'note.added' : 'spend.recorded', body: { index } }),
      ),
    );
    for (const fromSeq of [0, 1, 17, 39, 40, 100]) {
      const fromMemory = await collect(ledger.entries({ fromSeq }));
      const fromFile = await collect(readLedgerEntries(ledgerDir, { fromSeq }));
      expect(fromMemory).toEqual(fromFile);
    }
    const notes = await collect(ledger.entries({ fromSeq: 10, type: 'note' }));
    expect(notes.map((entry) => entry.seq)).toEqual([
      11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39,
    ]);
    await ledger.close();
  });

  it('are frozen: a reader cannot change what the next reader gets', async () => {
    const ledger = await openLedger(join(dir, 'ledger'));
    const appended = await ledger.append({ type: 'note.added', body: { nested: { value: 1 } } });
    const [entry] = await collect(ledger.entries({ fromSeq: 0 }));
    expect(entry).toBe(appended);
    expect(() => {
      (entry!.body.nested as { value: number }).value = 2;
    }).toThrow(TypeError);
    const [again] = await collect(ledger.entries({ fromSeq: 0 }));
    expect(again!.body).toEqual({ nested: { value: 1 } });
    await ledger.close();
  });

  it('include what another writer appended since, read from the file', async () => {
    const ledgerDir = join(dir, 'ledger');
    const first = await openLedger(ledgerDir);
    const second = await openLedger(ledgerDir);
    await first.append({ type: 'note.added', body: { by: 'first' } });
    await second.append({ type: 'note.added', body: { by: 'second' } });
    const seen = await collect(first.entries({ fromSeq: 0 }));
    expect(seen.map((entry) => entry.body.by)).toEqual(['first', 'second']);
    // The first ledger reads the second's entry when it next writes, and keeps it.
    await first.append({ type: 'note.added', body: { by: 'first' } });
    const after = await collect(first.entries({ fromSeq: 1 }));
    expect(after.map((entry) => [entry.seq, entry.body.by])).toEqual([
      [1, 'second'],
      [2, 'first'],
    ]);
    await Promise.all([first.close(), second.close()]);
  });

  it('are read from the file, and its damage reported, once the file is not as the ledger left it', async () => {
    const ledgerDir = join(dir, 'ledger');
    const chain = join(ledgerDir, 'chain.jsonl');
    const ledger = await openLedger(ledgerDir);
    for (let index = 0; index < 3; index++)
      await ledger.append({ type: 'note.added', body: { index } });
    await waitForLockRelease(ledgerDir);
    // Bytes appended behind the ledger's back: not an entry.
    await appendFile(chain, '{"not":"an entry"}\n');
    await expect(collect(ledger.entries({ fromSeq: 1 }))).rejects.toThrow(/chain\.jsonl:4/);
    // Cut short: the file reader sees two entries and no more, not the three kept in memory.
    const lines = (await readFile(chain, 'utf8')).split('\n');
    await truncate(chain, Buffer.byteLength(`${lines.slice(0, 2).join('\n')}\n`));
    const left = await collect(ledger.entries({ fromSeq: 0 }));
    expect(left.map((entry) => entry.seq)).toEqual([0, 1]);
    await ledger.close();
  });
});

/** Waits until the ledger's write lock, kept a moment after the last batch, is let go. */
async function waitForLockRelease(ledgerDir: string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (!(await readdir(ledgerDir)).includes('.chain.lock')) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the write lock was never let go');
}

describe('RecentEntries', () => {
  const entry = (seq: number): LedgerEntry => ({
    seq,
    type: 'note.added',
    time: '2026-01-01T00:00:00.000Z',
    body: { seq },
    prev: '0'.repeat(64),
    hash: seq.toString(16).padStart(64, '0'),
    files: [],
  });

  it('keeps consecutive entries, starts over at a gap, and drops the oldest past its limit', () => {
    const recent = new RecentEntries();
    expect(recent.from(0)).toBeUndefined();
    for (let seq = 5; seq < 10; seq++) recent.push(entry(seq), 100);
    expect(recent.from(4)).toBeUndefined();
    expect(recent.from(7)?.map((kept) => kept.seq)).toEqual([7, 8, 9]);
    expect(recent.from(10)).toEqual([]);
    recent.push(entry(20), 100);
    expect(recent.from(9)).toBeUndefined();
    expect(recent.from(20)?.map((kept) => kept.seq)).toEqual([20]);
    for (let seq = 21; seq < 21 + 5000; seq++) recent.push(entry(seq), 100);
    expect(recent.from(21)).toBeUndefined();
    const kept = recent.from(5020 - 3000);
    expect(kept?.length).toBe(3001);
    expect(kept?.at(-1)?.seq).toBe(5020);
    // One entry over the byte limit is still kept (the last one always is).
    recent.push(entry(5021), 9 * 1024 * 1024);
    expect(recent.from(5021)?.map((last) => last.seq)).toEqual([5021]);
    expect(recent.from(5020)).toBeUndefined();
  });
});
