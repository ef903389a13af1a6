import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createManualClock, formatDecimal, ValidationError } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeBalances } from './compute-balances';
import { ReservationStateError } from './errors';
import { readTreasuryRecords } from './read-treasury-records';
import { createFileRecordStore } from './record-store';
import { createTreasury } from './treasury';
import { validateTreasuryDir } from './validate-treasury-dir';

const run = promisify(execFile);

const balancesYaml = (budget = '50.00') => `# What the group may spend.
financial:
  currency: USD   # every amount below is in dollars
  time_zone: Europe/Berlin
  budget_weekly: ${budget}
  spent_this_week: 0.00 # derived
  revenue_mtd: 0.00

inference_budget:
  by_model_class:
    frontier-reasoning: 15.00
    fast-general: 30.00
    bulk-cheap: 5.00
`;

const rulesYaml = `weekly_allocation:
  content_production: 60%
  growth_experiments: 20%
  member_inference: 20%

approval_gates:
  - id: big-action
    any_action_above: 25.00
    requires: human_owner
  - any_recurring_above: 5.00_per_week
    requires: human_owner
`;

async function treasuryDir(budget?: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'karnel-'));
  const dir = join(root, 'treasury');
  await mkdir(dir);
  await writeFile(join(dir, 'balances.yaml'), balancesYaml(budget));
  await writeFile(join(dir, 'allocation_rules.yaml'), rulesYaml);
  return dir;
}

describe('createTreasury', () => {
  it('reserves, commits and releases, keeping balances derived from records', async () => {
    const dir = await treasuryDir();
    const clock = createManualClock('2026-05-06T10:00:00Z');
    const treasury = createTreasury({ dir, clock, roles: ['human_owner'] });
    const first = await treasury.reserve({
      amount: '20.00',
      modelClass: 'fast-general',
      purpose: 'draft',
    });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect((await treasury.balances()).week).toMatchObject({
      spent: 0n,
      reserved: 2000n,
      remaining: 3000n,
    });
    const second = await treasury.reserve({ amount: '20.00', modelClass: 'fast-general' });
    expect(second).toMatchObject({
      ok: false,
      decision: { effect: 'deny', limit: 'model_class:fast-general' },
    });

    const record = await treasury.commit(first.reservation, { actual: '18.50', run: 'run_1' });
    expect(record).toMatchObject({
      amount: '18.50',
      model_class: 'fast-general',
      reservation: first.reservation.id,
      description: 'draft',
    });
    await expect(treasury.commit(first.reservation)).rejects.toSatisfy(
      (error: unknown) => ReservationStateError.isInstance(error) && error.state === 'committed',
    );
    const third = await treasury.reserve({ amount: '10.00' });
    if (!third.ok) throw new Error('expected a reservation');
    await treasury.release(third.reservation.id, 'not needed');
    await expect(treasury.release(third.reservation.id)).rejects.toThrow(/already released/);
    const balances = await treasury.balances();
    expect(balances.week).toMatchObject({ spent: 1850n, reserved: 0n, remaining: 3150n });
    expect(balances.byModelClass['fast-general']).toMatchObject({ spent: 1850n, remaining: 1150n });
  });

  it('lets a reservation lapse after its time, and still records a late commit', async () => {
    const dir = await treasuryDir();
    const clock = createManualClock('2026-05-06T10:00:00Z');
    const treasury = createTreasury({ dir, clock, reservationTtlMs: 60_000 });
    const held = await treasury.reserve({ amount: '24.00' });
    expect((await treasury.checkSpend({ amount: '26.01' })).effect).toBe('deny');
    clock.advance(59_999);
    expect((await treasury.balances()).week.reserved).toBe(2400n);
    clock.advance(1);
    expect((await treasury.balances()).week.reserved).toBe(0n);
    expect(
      (await treasury.checkSpend({ amount: '26.01', approvedGates: ['big-action'] })).effect,
    ).toBe('allow');
    if (!held.ok) throw new Error('expected a reservation');
    await treasury.commit(held.reservation);
    expect((await treasury.balances()).week.spent).toBe(2400n);
  });

  it('returns needs-approval with the gate named and holds nothing', async () => {
    const dir = await treasuryDir();
    const treasury = createTreasury({ dir, clock: createManualClock('2026-05-06T10:00:00Z') });
    const result = await treasury.reserve({ amount: '26.00' });
    expect(result).toMatchObject({
      ok: false,
      decision: { effect: 'needs-approval', gate: { id: 'big-action', requires: 'human_owner' } },
    });
    expect((await treasury.balances()).week.reserved).toBe(0n);
    const approved = await treasury.reserve({ amount: '26.00', approvedGates: ['big-action'] });
    expect(approved.ok).toBe(true);
    const recurring = await treasury.checkSpend({
      amount: '6.00',
      recurring: true,
      period: 'week',
    });
    expect(recurring).toMatchObject({
      effect: 'needs-approval',
      gate: { id: 'approval_gates[1]' },
    });
  });

  it('rolls the week over at midnight in the treasury time zone', async () => {
    const dir = await treasuryDir();
    // Sunday 23:00 in Berlin (CEST, UTC+2).
    const clock = createManualClock('2026-05-10T21:00:00Z');
    const treasury = createTreasury({ dir, clock });
    await treasury.recordSpend({ amount: '49.00' });
    expect((await treasury.checkSpend({ amount: '2.00' })).effect).toBe('deny');
    clock.set('2026-05-10T22:00:00Z');
    const monday = await treasury.balances();
    expect(monday.week).toMatchObject({ spent: 0n, remaining: 5000n });
    expect(monday.week.period.label).toBe('week of 2026-05-11');
    expect((await treasury.checkSpend({ amount: '2.00' })).effect).toBe('allow');
  });

  it('throws a ValidationError with diagnostics when the files are invalid', async () => {
    const dir = await treasuryDir();
    await writeFile(join(dir, 'allocation_rules.yaml'), rulesYaml.replace('20%', '10%'));
    const treasury = createTreasury({ dir });
    await expect(treasury.checkSpend({ amount: '1.00' })).rejects.toSatisfy(
      (error: unknown) =>
        ValidationError.isInstance(error) &&
        error.diagnostics[0]?.code === 'treasury/allocation-sum',
    );
  });

  it('writes the derived figures into balances.yaml, keeping comments, and validation agrees with them', async () => {
    const dir = await treasuryDir();
    const clock = createManualClock('2026-05-06T10:00:00Z');
    const treasury = createTreasury({ dir, clock });
    await treasury.recordSpend({ amount: '12.30', modelClass: 'fast-general' });
    await treasury.recordRevenue({ amount: '142.00', source: 'stripe' });
    await treasury.writeSnapshot();
    const text = await readFile(join(dir, 'balances.yaml'), 'utf8');
    expect(text).toContain('# What the group may spend.');
    expect(text).toContain('currency: USD # every amount below is in dollars');
    expect(text).toContain('spent_this_week: 12.30 # derived');
    expect(text).toContain('revenue_mtd: 142.00');
    expect(text).toContain('as_of: 2026-05-06T10:00:00.000Z');
    expect(await validateTreasuryDir(dir, { displayPath: 't' })).toEqual([]);

    await writeFile(
      join(dir, 'balances.yaml'),
      text.replace('spent_this_week: 12.30', 'spent_this_week: 2.30'),
    );
    expect(await validateTreasuryDir(dir, { displayPath: 't' })).toEqual([
      expect.objectContaining({
        file: 't/balances.yaml',
        line: 6,
        code: 'treasury/snapshot-mismatch',
        severity: 'warning',
      }),
    ]);
  });

  it('never lets concurrent reservers exceed the budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 500, max: 6000 }),
        async (cents, budgetCents) => {
          const dir = await treasuryDir(formatDecimal(BigInt(budgetCents), 2));
          await writeFile(join(dir, 'allocation_rules.yaml'), '{}\n');
          await writeFile(
            join(dir, 'balances.yaml'),
            `financial:\n  budget_weekly: ${formatDecimal(BigInt(budgetCents), 2)}\n`,
          );
          const clock = createManualClock('2026-05-06T10:00:00Z');
          // Separate treasury objects, as separate runs would have.
          const results = await Promise.all(
            cents.map((amount) =>
              createTreasury({ dir, clock }).reserve({ amount: BigInt(amount) }),
            ),
          );
          const granted = results
            .filter((result) => result.ok)
            .reduce((sum, result) => sum + (result.ok ? result.reservation.amount : 0n), 0n);
          expect(granted).toBeLessThanOrEqual(BigInt(budgetCents));
          const remaining = BigInt(budgetCents) - granted;
          for (const result of results) {
            if (!result.ok) expect(result.decision.amount).toBeGreaterThan(remaining);
          }
          const balances = await createTreasury({ dir, clock }).balances();
          expect(balances.week.reserved).toBe(granted);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('never lets reservers in several processes exceed the budget', async () => {
    const dist = resolve(import.meta.dirname, '../dist/index.js');
    expect(existsSync(dist), 'build the package first: pnpm --filter @karnel/treasury build').toBe(
      true,
    );
    const dir = await treasuryDir('50.00');
    await writeFile(join(dir, 'allocation_rules.yaml'), '{}\n');
    const script = join(dir, '..', 'reserver.mjs');
    await writeFile(
      script,
      `import { createTreasury } from ${JSON.stringify(pathToFileURL(dist).href)};
const [dir, seed] = process.argv.slice(2);
const treasury = createTreasury({ dir });
let state = Number(seed);
const granted = [];
const denied = [];
for (let index = 0; index < 12; index++) {
  state = (state * 1103515245 + 12345) % 2147483648;
  const cents = 50 + (state % 250);
  const result = await treasury.reserve({ amount: BigInt(cents) });
  (result.ok ? granted : denied).push(cents);
}
process.stdout.write(JSON.stringify({ granted, denied }));
`,
    );
    const outputs = await Promise.all(
      [1, 2, 3, 4].map((seed) => run(process.execPath, [script, dir, String(seed)])),
    );
    const results = outputs.map(
      (output) => JSON.parse(output.stdout) as { granted: number[]; denied: number[] },
    );
    const granted = results
      .flatMap((result) => result.granted)
      .reduce((sum, cents) => sum + cents, 0);
    const denied = results.flatMap((result) => result.denied);
    expect(granted).toBeLessThanOrEqual(5000);
    // 48 requests of at least 0.50 ask for more than the budget: some must have been refused.
    expect(denied.length).toBeGreaterThan(0);
    for (const cents of denied) expect(cents).toBeGreaterThan(5000 - granted);
    const { records } = await readTreasuryRecords(
      createFileRecordStore({ path: join(dir, 'records.jsonl') }),
    );
    expect(records.filter((record) => record.type === 'reservation.opened')).toHaveLength(
      results.flatMap((result) => result.granted).length,
    );
  });

  it('keeps balances recomputed from the records equal to running totals', async () => {
    type Operation =
      | { kind: 'spend'; cents: number; hours: number; modelClass?: 'fast-general' | 'bulk-cheap' }
      | { kind: 'revenue'; cents: number; hours: number }
      | { kind: 'reserve'; cents: number; settle: 'commit' | 'release' | 'keep'; actual: number };
    const operation: fc.Arbitrary<Operation> = fc.oneof(
      fc.record({
        kind: fc.constant('spend' as const),
        cents: fc.integer({ min: 0, max: 900 }),
        hours: fc.integer({ min: 0, max: 400 }),
        modelClass: fc.option(fc.constantFrom('fast-general' as const, 'bulk-cheap' as const), {
          nil: undefined,
        }),
      }),
      fc.record({
        kind: fc.constant('revenue' as const),
        cents: fc.integer({ min: 0, max: 5000 }),
        hours: fc.integer({ min: 0, max: 400 }),
      }),
      fc.record({
        kind: fc.constant('reserve' as const),
        cents: fc.integer({ min: 1, max: 900 }),
        settle: fc.constantFrom('commit' as const, 'release' as const, 'keep' as const),
        actual: fc.integer({ min: 0, max: 900 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 15 }), async (operations) => {
        const dir = await treasuryDir('100000.00');
        await writeFile(join(dir, 'allocation_rules.yaml'), '{}\n');
        const start = Date.parse('2026-05-01T00:00:00Z');
        const clock = createManualClock(start);
        const treasury = createTreasury({ dir, clock, reservationTtlMs: 10 * 24 * 3_600_000 });
        const model = { spent: 0n, revenue: 0n, reserved: 0n };
        for (const step of operations) {
          if (step.kind === 'spend') {
            await treasury.recordSpend({
              amount: BigInt(step.cents),
              at: new Date(start + step.hours * 3_600_000),
              ...(step.modelClass ? { modelClass: step.modelClass } : {}),
            });
            model.spent += BigInt(step.cents);
          } else if (step.kind === 'revenue') {
            await treasury.recordRevenue({
              amount: BigInt(step.cents),
              at: new Date(start + step.hours * 3_600_000),
            });
            model.revenue += BigInt(step.cents);
          } else {
            const held = await treasury.reserve({ amount: BigInt(step.cents) });
            if (!held.ok) throw new Error(held.decision.reason);
            if (step.settle === 'commit') {
              await treasury.commit(held.reservation, { actual: BigInt(step.actual) });
              model.spent += BigInt(step.actual);
            } else if (step.settle === 'release') {
              await treasury.release(held.reservation);
            } else {
              model.reserved += BigInt(step.cents);
            }
          }
        }
        const fresh = await createTreasury({ dir, clock }).balances();
        expect(fresh.totals).toEqual({ spent: model.spent, revenue: model.revenue });
        expect(fresh.week.reserved).toBe(model.reserved);
        const { records } = await readTreasuryRecords(
          createFileRecordStore({ path: join(dir, 'records.jsonl') }),
        );
        const config = await treasury.config();
        expect(computeBalances(records, config, clock.now())).toEqual(fresh);
      }),
      { numRuns: 30 },
    );
  });
});

describe('createTreasury group commit', () => {
  it('lets concurrent operations share fsyncs, and acknowledges no commit before it and its reservation are durable', async () => {
    const dir = await treasuryDir('1000.00');
    const file = createFileRecordStore({ path: join(dir, 'records.jsonl') });
    let written = 0;
    let durable = 0;
    let syncs = 0;
    // The file store, counting: how many records were written, and how many of them a
    // completed fsync covers.
    const store = {
      ...file,
      async appendUnsynced(record: Parameters<typeof file.append>[0]) {
        await file.appendUnsynced!(record);
        written++;
      },
      async sync() {
        const covered = written;
        await file.sync!();
        syncs++;
        durable = covered;
      },
    };
    const treasury = createTreasury({ dir, store });
    // Another treasury over the same folder, as another process would be.
    const other = createTreasury({ dir });
    const acknowledged = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const held = await treasury.reserve({ amount: 100n, modelClass: 'fast-general' });
        if (!held.ok) throw new Error('refused');
        // A reservation is acknowledged once written: every reader sees it already.
        const seen = (await other.readRecords()).records.some(
          (record) => record.type === 'reservation.opened' && record.id === held.reservation.id,
        );
        await treasury.commit(held.reservation, { actual: 40n });
        // A commit is acknowledged only once a completed fsync covers its spend, and so the
        // reservation written before it.
        const coveredThen = durable;
        const records = (await treasury.readRecords()).records;
        const spentAt = records.findIndex(
          (record) =>
            record.type === 'spend.recorded' && record.reservation === held.reservation.id,
        );
        const openedAt = records.findIndex(
          (record) => record.type === 'reservation.opened' && record.id === held.reservation.id,
        );
        return { seen, spentAt, openedAt, coveredThen };
      }),
    );
    for (const { seen, spentAt, openedAt, coveredThen } of acknowledged) {
      expect(seen).toBe(true);
      expect(openedAt).toBeLessThan(spentAt);
      expect(spentAt).toBeLessThan(coveredThen);
    }
    expect(written).toBe(32);
    expect(durable).toBe(32);
    expect(syncs).toBeLessThan(16);
    const balances = await treasury.balances();
    expect(balances.week.spent).toBe(16n * 40n);
    expect(balances.week.reserved).toBe(0n);
    expect((await other.balances()).week.spent).toBe(640n);
    await treasury.close();
    await other.close();
  });

  it('writes reservations and releases without an fsync of their own, and fsyncs every other record before acknowledging it', async () => {
    const dir = await treasuryDir('1000.00');
    const file = createFileRecordStore({ path: join(dir, 'records.jsonl') });
    const synced: number[] = [];
    let written = 0;
    const store = {
      ...file,
      async appendUnsynced(record: Parameters<typeof file.append>[0]) {
        await file.appendUnsynced!(record);
        written++;
      },
      async sync() {
        await file.sync!();
        synced.push(written);
      },
    };
    const treasury = createTreasury({ dir, store });
    const first = await treasury.reserve({ amount: 100n });
    const second = await treasury.reserve({ amount: 200n });
    if (!first.ok || !second.ok) throw new Error('refused');
    await treasury.release(second.reservation, 'not needed');
    expect(synced).toEqual([]);
    expect((await createTreasury({ dir }).balances()).week.reserved).toBe(100n);
    await treasury.commit(first.reservation, { actual: 50n });
    expect(synced).toEqual([4]);
    await treasury.recordSpend({ amount: 10n });
    await treasury.recordRevenue({ amount: 5n });
    expect(synced).toEqual([4, 5, 6]);
    await treasury.close();
  });

  it('keeps a reservation when the reserving process is killed right after reserve resolves', async () => {
    const dist = resolve(import.meta.dirname, '../dist/index.js');
    expect(existsSync(dist), 'build the package first: pnpm --filter @karnel/treasury build').toBe(
      true,
    );
    const dir = await treasuryDir('50.00');
    const script = join(dir, '..', 'reserve-and-die.mjs');
    await writeFile(
      script,
      `import { createTreasury } from ${JSON.stringify(pathToFileURL(dist).href)};
const treasury = createTreasury({ dir: process.argv[2] });
const held = await treasury.reserve({ amount: '12.00' });
process.stdout.write(JSON.stringify(held.reservation.id) + '\\n', () => process.kill(process.pid, 'SIGKILL'));
`,
    );
    const died = await run(process.execPath, [script, dir]).catch(
      (error: { signal?: string; stdout?: string }) => error,
    );
    expect(died).toMatchObject({ signal: 'SIGKILL' });
    const id = JSON.parse((died as { stdout: string }).stdout) as string;
    const treasury = createTreasury({ dir });
    expect((await treasury.balances()).week.reserved).toBe(1200n);
    const spend = await treasury.commit(id, { actual: '11.00' });
    expect(spend.reservation).toBe(id);
    await treasury.close();
  });

  it('acknowledges nothing of a hold whose fsync fails', async () => {
    const dir = await treasuryDir('1000.00');
    const file = createFileRecordStore({ path: join(dir, 'records.jsonl') });
    let failNext = false;
    const store = {
      ...file,
      async sync() {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
        }
        await file.sync!();
      },
    };
    const treasury = createTreasury({ dir, store });
    const held = await Promise.all(
      Array.from({ length: 4 }, () => treasury.reserve({ amount: 100n })),
    );
    failNext = true;
    const outcomes = await Promise.allSettled(
      held.map((result) => {
        if (!result.ok) throw new Error('refused');
        return treasury.commit(result.reservation, { actual: 10n });
      }),
    );
    // The first hold's fsync failed: every operation in it is refused, none acknowledged.
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const outcome of refused) expect(String(outcome.reason)).toContain('EIO');
    expect((await treasury.recordSpend({ amount: 100n })).amount).toBe('1.00');
    await treasury.close();
  });

  it('keeps its lock across holds while operations are queued, and lets go of it once idle', async () => {
    const dir = await treasuryDir('1000.00');
    const treasury = createTreasury({ dir });
    const other = createTreasury({ dir, lockTimeoutMs: 2000 });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        index % 2 === 0
          ? treasury.reserve({ amount: 100n })
          : treasury.recordSpend({ amount: 10n }).then(() => ({ ok: true })),
      ),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    // Everything answered: the lock file is gone a moment later (it lingers a millisecond for
    // a next operation), and another treasury goes ahead without waiting out its timeout.
    for (let tries = 0; tries < 200 && existsSync(join(dir, '.treasury.lock')); tries++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(existsSync(join(dir, '.treasury.lock'))).toBe(false);
    expect((await other.reserve({ amount: 100n })).ok).toBe(true);
    // A queued operation after a drain ended starts a new one (nothing is left waiting).
    await treasury.writeSnapshot();
    expect((await treasury.balances()).week.reserved).toBe(21n * 100n);
    await treasury.close();
    await other.close();
  });

  it('sees an edit of balances.yaml at the next operation', async () => {
    const dir = await treasuryDir('10.00');
    const clock = createManualClock('2026-05-06T10:00:00Z');
    const treasury = createTreasury({ dir, clock });
    expect((await treasury.reserve({ amount: '20.00' })).ok).toBe(false);
    await writeFile(join(dir, 'balances.yaml'), balancesYaml('30.00'));
    expect((await treasury.reserve({ amount: '20.00' })).ok).toBe(true);
    await treasury.close();
  });
});
