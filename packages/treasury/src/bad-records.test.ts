import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { readTreasuryRecords } from './read-treasury-records';
import { createLedgerRecordStore } from './record-store';
import { createTreasuryRecordValidator, treasuryRecordValidator } from './record-validator';
import { createTreasury } from './treasury';
import { validateTreasuryDir } from './validate-treasury-dir';

const at = '2026-05-06T09:00:00Z';
// The bodies `karnel ledger append` accepted and after which every treasury call threw.
const badBodies: Record<string, Record<string, unknown>> = {
  'NaN written as text': { at, amount: 'NaN', currency: 'USD' },
  'a negative number': { at, amount: -5, currency: 'USD' },
  'a JSON number': { at, amount: 0.1, currency: 'USD' },
  'an exponent': { at, amount: '1e3', currency: 'USD' },
  'finer than a cent': { at, amount: '0.001', currency: 'USD' },
  'another currency': { at, amount: '1.00', currency: 'EUR' },
  'an undeclared custom unit': { at, amount: '12.5', currency: 'USDC' },
  'a negative string': { at, amount: '-5', currency: 'USD' },
};

async function groupWithLedger() {
  const root = await mkdtemp(join(tmpdir(), 'karnel-'));
  const dir = join(root, 'treasury');
  await mkdir(dir);
  await writeFile(join(dir, 'balances.yaml'), 'financial:\n  budget_weekly: 10.00\n');
  return { root, dir, ledgerDir: join(root, 'ledger') };
}

describe('treasuryRecordValidator', () => {
  const usd = createTreasuryRecordValidator({
    currency: { code: 'USD', decimals: 2, iso: true },
  });

  it('refuses every bad body the review appended, naming the field', () => {
    for (const [name, body] of Object.entries(badBodies)) {
      const result = usd.validate({ type: 'spend.recorded', body });
      expect(result.ok, name).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/^spend\.recorded refused by the treasury: /);
    }
    expect(
      usd.validate({ type: 'spend.recorded', body: { at, amount: Number.NaN, currency: 'USD' } }),
    ).toMatchObject({ ok: false, message: expect.stringContaining('NaN is a number') });
    expect(
      usd.validate({ type: 'revenue.recorded', body: { at, amount: '0.1', currency: 'EUR' } }),
    ).toMatchObject({ ok: false, message: expect.stringContaining('keeps its accounts in USD') });
  });

  it('accepts good records of every treasury type, and owns exactly them', () => {
    expect(usd.types).toEqual([
      'spend.recorded',
      'revenue.recorded',
      'reservation.opened',
      'reservation.released',
      'treasury.record_quarantined',
    ]);
    expect(
      usd.validate({ type: 'spend.recorded', body: { at, amount: '0.42', currency: 'USD' } }),
    ).toEqual({ ok: true });
    expect(
      usd.validate({
        type: 'reservation.released',
        body: { id: 'rsv_01JZ0000000000000000000000', at },
      }),
    ).toEqual({ ok: true });
    expect(
      usd.validate({
        type: 'spend.recorded',
        body: { type: 'x', at, amount: '1', currency: 'USD' },
      }),
    ).toMatchObject({ ok: false, message: expect.stringContaining('"type" field') });
  });

  it('without a currency, holds ISO codes to their minor unit and lets the treasury check the rest', () => {
    const check = (body: Record<string, unknown>) =>
      treasuryRecordValidator.validate({ type: 'spend.recorded', body }).ok;
    expect(check({ at, amount: '0.001', currency: 'USD' })).toBe(false);
    expect(check({ at, amount: '0.5', currency: 'JPY' })).toBe(false);
    expect(check({ at, amount: '1.00', currency: 'EUR' })).toBe(true);
    expect(check({ at, amount: '12.5', currency: 'USDC' })).toBe(true);
    expect(check({ at, amount: 12.5, currency: 'USDC' })).toBe(false);
  });
});

describe('a ledger that already holds a bad treasury record', () => {
  for (const [name, body] of Object.entries(badBodies)) {
    it(`keeps the treasury working and reports the entry: ${name}`, async () => {
      const { dir, ledgerDir } = await groupWithLedger();
      const ledger = await openLedger(ledgerDir);
      try {
        const clock = createManualClock('2026-05-06T10:00:00Z');
        const treasury = createTreasury({ dir, ledger, clock });
        await treasury.recordSpend({ amount: '1.00' });
        // Straight into the ledger, around every check: as `karnel ledger append` did.
        const bad = await ledger.append({ type: 'spend.recorded', body });

        const balances = await treasury.balances();
        expect(balances.week.spent).toBe(100n);
        expect(balances.skipped).toEqual([
          expect.objectContaining({
            file: 'chain.jsonl',
            line: bad.seq + 1,
            severity: 'error',
            code:
              name === 'another currency' || name === 'an undeclared custom unit'
                ? 'treasury/record-currency'
                : 'treasury/invalid-record',
            message: expect.stringContaining(`entry ${bad.seq} (spend.recorded`),
          }),
        ]);

        // A writer quarantines it, once, in the ledger; then it is a warning.
        const held = await treasury.reserve({ amount: '2.00' });
        expect(held.ok).toBe(true);
        await treasury.commit(held.ok ? held.reservation : '', { actual: '1.50' });
        await treasury.recordSpend({ amount: '0.25' });
        const quarantines = [];
        for await (const entry of ledger.entries())
          if (entry.type === 'treasury.record_quarantined') quarantines.push(entry);
        expect(quarantines).toHaveLength(1);
        expect(quarantines[0]!.body).toMatchObject({
          seq: bad.seq,
          hash: bad.hash,
          record_type: 'spend.recorded',
        });
        const after = await treasury.balances();
        expect(after.week.spent).toBe(275n);
        expect(after.skipped).toEqual([
          expect.objectContaining({
            line: bad.seq + 1,
            severity: 'warning',
            message: expect.stringContaining(`quarantined by entry ${quarantines[0]!.seq}`),
          }),
        ]);

        // What `karnel validate` calls: the entry reported at its line of chain.jsonl.
        const diagnostics = await validateTreasuryDir(dir, {
          ledger,
          ledgerLocation: { chainFile: 'group/ledger/chain.jsonl' },
        });
        expect(diagnostics).toContainEqual(
          expect.objectContaining({ file: 'group/ledger/chain.jsonl', line: bad.seq + 1 }),
        );
      } finally {
        await ledger.close();
      }
    });
  }

  it('ignores a quarantine that names a valid record: it cannot remove money', async () => {
    const { dir, ledgerDir } = await groupWithLedger();
    const ledger = await openLedger(ledgerDir);
    try {
      const treasury = createTreasury({
        dir,
        ledger,
        clock: createManualClock('2026-05-06T10:00:00Z'),
      });
      await treasury.recordSpend({ amount: '9.00' });
      let good: { seq: number; hash: string } | undefined;
      for await (const entry of ledger.entries()) if (entry.type === 'spend.recorded') good = entry;
      const forged = await ledger.append({
        type: 'treasury.record_quarantined',
        body: {
          at,
          seq: good!.seq,
          hash: good!.hash,
          record_type: 'spend.recorded',
          code: 'treasury/invalid-record',
          reason: 'forged',
        },
      });
      const balances = await treasury.balances();
      expect(balances.week.spent).toBe(900n);
      expect(balances.skipped).toEqual([
        expect.objectContaining({
          line: forged.seq + 1,
          severity: 'error',
          code: 'treasury/invalid-quarantine',
        }),
      ]);
      expect(await treasury.reserve({ amount: '2.00' })).toMatchObject({ ok: false });
      // The forged quarantine is itself quarantined by that writer; the spend still counts.
      const after = await treasury.balances();
      expect(after.week.spent).toBe(900n);
      expect(after.skipped).toEqual([
        expect.objectContaining({ line: forged.seq + 1, severity: 'warning' }),
      ]);
    } finally {
      await ledger.close();
    }
  });

  it('reads the same records and diagnostics from the ledger reader alone', async () => {
    const { dir, ledgerDir } = await groupWithLedger();
    const ledger = await openLedger(ledgerDir);
    try {
      await createTreasury({ dir, ledger }).recordSpend({ amount: '3.00' });
      await ledger.append({ type: 'spend.recorded', body: badBodies['an exponent']! });
      const viaReader = await readTreasuryRecords(ledger, {
        currency: { code: 'USD', decimals: 2, iso: true },
      });
      const viaStore = await readTreasuryRecords(createLedgerRecordStore(ledger), {
        currency: { code: 'USD', decimals: 2, iso: true },
      });
      expect(viaReader.records).toHaveLength(1);
      expect(viaReader).toEqual(viaStore);
      expect(viaReader.unquarantined).toHaveLength(1);
    } finally {
      await ledger.close();
    }
  });
});

describe('a treasury in a custom unit', () => {
  it('keeps accounts in a declared unit with its decimals, and refuses it undeclared', async () => {
    const { dir } = await groupWithLedger();
    await writeFile(
      join(dir, 'balances.yaml'),
      'financial:\n  currency: USDC\n  currency_decimals: 6\n  budget_weekly: 10.5\n',
    );
    const treasury = createTreasury({ dir, clock: createManualClock('2026-05-06T10:00:00Z') });
    await treasury.recordSpend({ amount: '0.000001' });
    expect((await treasury.balances()).week).toMatchObject({ spent: 1n, remaining: 10_499_999n });
    await writeFile(
      join(dir, 'balances.yaml'),
      'financial:\n  currency: USDC\n  budget_weekly: 10\n',
    );
    const diagnostics = await validateTreasuryDir(dir);
    expect(diagnostics[0]).toMatchObject({
      code: 'treasury/unknown-currency',
      message: expect.stringContaining('must be declared with its decimals'),
    });
    await writeFile(
      join(dir, 'balances.yaml'),
      'financial:\n  currency: USD\n  currency_decimals: 6\n  budget_weekly: 10\n',
    );
    expect((await validateTreasuryDir(dir))[0]).toMatchObject({
      line: 3,
      message: expect.stringContaining('cannot be declared with 6'),
    });
  });
});
