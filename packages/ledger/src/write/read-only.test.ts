import { appendFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerStateError } from '../errors';
import type { LedgerEntry } from '../format/entry';
import { openLedger } from '../index';

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

describe('a ledger opened read-only', () => {
  it('reads and proves, writes nothing (no lock file either), and refuses every write', async () => {
    const ledgerDir = join(dir, 'ledger');
    const writer = await openLedger(ledgerDir);
    for (let n = 0; n < 3; n++) await writer.append({ type: 'test.note', body: { n } });
    await writer.close();
    const before = await readdir(ledgerDir);
    const chainBefore = await readFile(join(ledgerDir, 'chain.jsonl'));

    const reader = await openLedger(ledgerDir, { readOnly: true });
    expect((await collect(reader.entries())).map((entry) => entry.body.n)).toEqual([0, 1, 2]);
    expect((await reader.proveInclusion(1)).size).toBe(3);
    const signer = createSigner(new Uint8Array(32).fill(7));
    expect((await reader.checkpoint(signer)).size).toBe(3);
    const refusals = await Promise.allSettled([
      reader.append({ type: 'test.note', body: { n: 3 } }),
      reader.appendUnsynced({ type: 'test.note', body: { n: 3 } }),
      reader.startRun({}),
      reader.snapshot(signer),
      reader.sync(),
      reader.archive(),
    ]);
    for (const refusal of refusals) {
      expect(refusal.status).toBe('rejected');
      if (refusal.status === 'rejected') {
        expect(refusal.reason).toBeInstanceOf(LedgerStateError);
        expect(String(refusal.reason.message)).toContain('opened read-only');
      }
    }
    await reader.close();
    expect(await readdir(ledgerDir)).toEqual(before);
    expect((await readFile(join(ledgerDir, 'chain.jsonl'))).equals(chainBefore)).toBe(true);
  });

  it('skips a torn last line another writer left without cutting it off', async () => {
    const ledgerDir = join(dir, 'ledger');
    const writer = await openLedger(ledgerDir);
    await writer.append({ type: 'test.note', body: { n: 0 } });
    await writer.close();
    const chain = join(ledgerDir, 'chain.jsonl');
    await appendFile(chain, '{"entry":{"body":{"n":1');
    const size = (await stat(chain)).size;
    const reader = await openLedger(ledgerDir, { readOnly: true });
    expect((await collect(reader.entries())).map((entry) => entry.seq)).toEqual([0]);
    expect(reader.recovered).toEqual([]);
    await reader.close();
    expect((await stat(chain)).size).toBe(size);
  });

  it('opens a missing folder as an empty ledger without creating it, unless told not to', async () => {
    const missing = join(dir, 'none');
    const reader = await openLedger(missing, { readOnly: true });
    expect(await collect(reader.entries())).toEqual([]);
    await reader.close();
    await expect(stat(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(openLedger(missing, { readOnly: true, create: false })).rejects.toThrow(
      /not|missing/i,
    );
  });
});
