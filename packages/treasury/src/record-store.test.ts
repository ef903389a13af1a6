import { appendFile, mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { TreasuryRecordError } from './errors';
import { readTreasuryRecords } from './read-treasury-records';
import { createFileRecordStore, createLedgerRecordStore } from './record-store';
import type { TreasuryRecord } from './records';
import { createTreasury } from './treasury';

const spend: TreasuryRecord = {
  type: 'spend.recorded',
  at: '2026-05-06T10:00:00Z',
  amount: '1.25',
  currency: 'USD',
};

describe('createFileRecordStore', () => {
  it('appends and reads records in order', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'records.jsonl');
    const store = createFileRecordStore({ path });
    expect(await store.readEntries()).toEqual([]);
    await store.append(spend);
    await store.append({ ...spend, amount: '2.00', model_class: 'bulk-cheap' });
    expect(await amounts(store)).toEqual(['1.25', '2.00']);
  });

  it('ignores a line cut short by a crash and cuts it off before the next append', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'records.jsonl');
    const store = createFileRecordStore({ path });
    await store.append(spend);
    await appendFile(path, '{"type":"spend.recorded","at":"2026-05-06T1');
    expect(await store.readEntries()).toHaveLength(1);
    await store.append({ ...spend, amount: '3.00' });
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(await amounts(store)).toEqual(['1.25', '3.00']);
  });

  it('reads only what was added since its last read, including appends by another store', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'records.jsonl');
    const reader = createFileRecordStore({ path });
    const writer = createFileRecordStore({ path });
    await writer.append(spend);
    expect(await reader.readEntries()).toHaveLength(1);
    await writer.append({ ...spend, amount: '2.00' });
    await writer.append({ ...spend, amount: '3.00' });
    expect(await amounts(reader)).toEqual(['1.25', '2.00', '3.00']);
    await appendFile(path, 'not json\n');
    const read = await readTreasuryRecords(reader);
    expect(read.records).toHaveLength(3);
    expect(read.diagnostics).toMatchObject([
      { file: path, line: 4, severity: 'error', code: 'treasury/invalid-record' },
    ]);
    // A replaced file is read from the start.
    await writeFile(`${path}.new`, `${JSON.stringify(spend)}\n`);
    await rename(`${path}.new`, path);
    expect(await reader.readEntries()).toHaveLength(1);
  });

  it('reads past a corrupt record, reporting it at its line, and refuses to append one', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'records.jsonl');
    await writeFile(path, `${JSON.stringify(spend)}\n{"type":"spend.recorded","amount":"x"}\n`);
    const read = await readTreasuryRecords(
      createFileRecordStore({ path, displayPath: 'records.jsonl' }),
    );
    expect(read.records).toEqual([spend]);
    expect(read.diagnostics).toMatchObject([
      { file: 'records.jsonl', line: 2, code: 'treasury/invalid-record' },
    ]);
    expect(read.unquarantined).toHaveLength(1);
    await expect(
      createFileRecordStore({ path }).append({ ...spend, amount: '1e3' }),
    ).rejects.toSatisfy(TreasuryRecordError.isInstance);
    await expect(
      createFileRecordStore({ path }).append({ ...spend, amount: 1 } as unknown as TreasuryRecord),
    ).rejects.toThrow(/amount/);
  });
});

describe('createLedgerRecordStore', () => {
  it('reads on from its last read and still sees what other writers appended since', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-'));
    const dir = join(root, 'treasury');
    await mkdir(dir);
    await writeFile(join(dir, 'balances.yaml'), 'financial:\n  budget_weekly: 10.00\n');
    const ledger = await openLedger(join(root, 'ledger'));
    const other = await openLedger(join(root, 'ledger'));
    try {
      const clock = createManualClock('2026-05-06T10:00:00Z');
      const treasury = createTreasury({ dir, ledger, clock });
      await treasury.recordSpend({ amount: '1.00' });
      expect((await treasury.balances()).week.spent).toBe(100n);
      await createTreasury({ dir, ledger: other, clock }).recordSpend({ amount: '2.50' });
      await ledger.append({ type: 'note.written', body: { text: 'not money' } });
      await treasury.recordSpend({ amount: '0.25' });
      expect((await treasury.balances()).week.spent).toBe(375n);
      const store = createLedgerRecordStore(ledger);
      expect((await store.readEntries()).map((entry) => entry.seq)).toEqual([0, 1, 3]);
      expect((await store.readEntries()).map((entry) => entry.seq)).toEqual([0, 1, 3]);
    } finally {
      await other.close();
      await ledger.close();
    }
  });

  it('reads a ledger incrementally: entries appended by another handle once, never twice', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-'));
    const ledger = await openLedger(join(root, 'ledger'));
    const other = await openLedger(join(root, 'ledger'));
    try {
      const store = createLedgerRecordStore(ledger);
      await store.append(spend);
      const first = await store.readEntries();
      expect(first.map((entry) => entry.seq)).toEqual([0]);
      await other.append({ type: 'note.written', body: { text: 'not money' } });
      const { type, ...body } = spend;
      await other.append({ type, body: { ...body, amount: '2.00' } });
      const [a, b] = await Promise.all([store.readEntries(), store.readEntries()]);
      expect(a.map((entry) => [entry.seq, entry.line])).toEqual([
        [0, 1],
        [2, 3],
      ]);
      expect(b).toBe(a);
      expect(
        (await readTreasuryRecords(store)).records.map((record) =>
          'amount' in record ? record.amount : '',
        ),
      ).toEqual(['1.25', '2.00']);
    } finally {
      await other.close();
      await ledger.close();
    }
  });

  it('keeps treasury records as ledger entries and derives balances from them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-'));
    const dir = join(root, 'treasury');
    await mkdir(dir);
    await writeFile(join(dir, 'balances.yaml'), 'financial:\n  budget_weekly: 10.00\n');
    const ledger = await openLedger(join(root, 'ledger'));
    try {
      const clock = createManualClock('2026-05-06T10:00:00Z');
      const treasury = createTreasury({ dir, ledger, clock });
      await ledger.append({ type: 'note.written', body: { text: 'not money' } });
      await treasury.recordSpend({ amount: '4.00', run: 'run_1' });
      const held = await treasury.reserve({ amount: '6.00' });
      expect(held.ok).toBe(true);
      expect(await treasury.reserve({ amount: '0.01' })).toMatchObject({
        ok: false,
        decision: { effect: 'deny' },
      });
      const types: string[] = [];
      for await (const entry of ledger.entries()) types.push(entry.type);
      expect(types).toEqual(['note.written', 'spend.recorded', 'reservation.opened']);
      const { records } = await readTreasuryRecords(createLedgerRecordStore(ledger));
      expect(records.map((record) => record.type)).toEqual([
        'spend.recorded',
        'reservation.opened',
      ]);
      expect(records[0]).toMatchObject({ amount: '4.00', currency: 'USD', run: 'run_1' });
      // A second process (here: a second ledger handle) sees the same balances.
      const other = await openLedger(join(root, 'ledger'));
      try {
        const balances = await createTreasury({ dir, ledger: other, clock }).balances();
        expect(balances.week).toMatchObject({ spent: 400n, reserved: 600n, remaining: 0n });
      } finally {
        await other.close();
      }
    } finally {
      await ledger.close();
    }
  });
});

describe('a ledger-backed treasury', () => {
  async function setUp() {
    const root = await mkdtemp(join(tmpdir(), 'karnel-'));
    const dir = join(root, 'treasury');
    await mkdir(dir);
    await writeFile(join(dir, 'balances.yaml'), 'financial:\n  budget_weekly: 1000.00\n');
    return { root, dir, ledgerDir: join(root, 'ledger') };
  }

  it('writes the operations of one hold unsynced and ends it with one ledger sync', async () => {
    const { dir, ledgerDir } = await setUp();
    const ledger = await openLedger(ledgerDir, { groupCommit: true });
    const calls = { append: 0, appendUnsynced: 0, sync: 0, hold: 0 };
    // The ledger, counting what the treasury asks of it.
    const counted = Object.assign(Object.create(ledger) as typeof ledger, {
      append: (...args: Parameters<typeof ledger.append>) => {
        calls.append++;
        return ledger.append(...args);
      },
      appendUnsynced: (...args: Parameters<typeof ledger.appendUnsynced>) => {
        calls.appendUnsynced++;
        return ledger.appendUnsynced(...args);
      },
      sync: () => {
        calls.sync++;
        return ledger.sync();
      },
      withWriteLock: <T>(task: () => Promise<T>) => {
        calls.hold++;
        return ledger.withWriteLock(task);
      },
      entries: (...args: Parameters<typeof ledger.entries>) => ledger.entries(...args),
    });
    try {
      const treasury = createTreasury({ dir, ledger: counted });
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          const held = await treasury.reserve({ amount: '1.00' });
          if (!held.ok) throw new Error('refused');
          await treasury.commit(held.reservation, { actual: '0.25' });
        }),
      );
      expect(calls.append).toBe(0);
      expect(calls.appendUnsynced).toBe(32);
      // Holds of reservations end without a sync; holds of commits share one each.
      expect(calls.sync).toBeGreaterThan(0);
      expect(calls.sync).toBeLessThan(16);
      // Every hold keeps the ledger's write lock for all of its records.
      expect(calls.hold).toBeGreaterThan(0);
      expect(calls.hold).toBeLessThan(32);
      expect((await treasury.balances()).week).toMatchObject({ spent: 400n, reserved: 0n });
      expect((await ledger.verify()).ok).toBe(true);
    } finally {
      await ledger.close();
    }
  });

  it('refuses to go on when an entry appended by someone else since its last read was tampered with', async () => {
    const { dir, ledgerDir } = await setUp();
    const ledger = await openLedger(ledgerDir);
    const other = await openLedger(ledgerDir);
    try {
      const treasury = createTreasury({ dir, ledger });
      const held = await treasury.reserve({ amount: '1.00' });
      expect(held.ok).toBe(true);
      // Someone else appends a spend, and its amount is then changed in the file.
      await other.append({
        type: 'spend.recorded',
        body: { at: '2026-05-06T09:00:00Z', amount: '2.00', currency: 'USD' },
      });
      const chain = join(ledgerDir, 'chain.jsonl');
      await writeFile(chain, (await readFile(chain, 'utf8')).replace('"2.00"', '"0.01"'));
      await expect(treasury.reserve({ amount: '1.00' })).rejects.toThrow(/ledger/i);
      await expect(treasury.balances()).rejects.toThrow(/ledger/i);
      // And again: what it verified before does not let it skip the damaged entry.
      await expect(treasury.reserve({ amount: '1.00' })).rejects.toThrow(/ledger/i);
    } finally {
      await other.close();
      await ledger.close();
    }
  });
});

async function amounts(store: ReturnType<typeof createFileRecordStore>) {
  const { records } = await readTreasuryRecords(store);
  return records.map((record) => 'amount' in record && record.amount);
}

describe('records a ledger store appended itself', () => {
  it('are handed out checked, and their currency and amount are still held to the treasury', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-'));
    const ledger = await openLedger(join(root, 'ledger'));
    const store = createLedgerRecordStore(ledger);
    await store.append(spend);
    // The same record written by someone else, straight into the ledger: not the store's own.
    await ledger.append({ type: 'spend.recorded', body: { ...spend, type: undefined } });
    const entries = await store.readEntries();
    expect(entries.map((entry) => entry.checked !== undefined)).toEqual([true, false]);
    expect(entries[0]!.checked).toEqual(spend);
    expect(entries[0]!.value).toEqual(spend);
    // Counted in USD; refused, the two alike, once the treasury keeps its accounts in EUR.
    const usd = await readTreasuryRecords(store, {
      currency: { code: 'USD', decimals: 2, iso: true },
    });
    expect(usd.records).toHaveLength(2);
    expect(usd.diagnostics).toEqual([]);
    const eur = await readTreasuryRecords(store, {
      currency: { code: 'EUR', decimals: 2, iso: true },
    });
    expect(eur.records).toEqual([]);
    expect(eur.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
      'treasury/record-currency',
      'treasury/record-currency',
    ]);
    await ledger.close();
  });
});
