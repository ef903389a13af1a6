// Treasury: how long a reservation takes (lock, read the records appended since, decide,
// append without an fsync of its own: a reservation is a guard, see spec/treasury.md section 7)
// and its commit (the same with an fsync), next to a durable append of the same line alone; and
// how fast balances are folded from records next to a float sum of the same amounts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendFileDurable, createManualClock } from '@karnel/core';
import { computeBalances, createTreasury } from '@karnel/treasury';

const root = await mkdtemp(join(tmpdir(), 'karnel-bench-'));
const dir = join(root, 'treasury');
await mkdir(dir);
await writeFile(join(dir, 'balances.yaml'), 'financial:\n  budget_weekly: 100000.00\n');
const clock = createManualClock('2026-05-06T10:00:00Z');
const treasury = createTreasury({ dir, clock });

const perOp = (ms, count) =>
  `${((ms * 1000) / count).toFixed(0)} µs/op (${Math.round((count * 1000) / ms)} op/s)`;

const rounds = 300;
const held = [];
let started = performance.now();
for (let index = 0; index < rounds; index++) {
  const result = await treasury.reserve({ amount: '1.25', purpose: 'bench' });
  if (!result.ok) throw new Error(result.decision.reason);
  held.push(result.reservation);
}
const reserveMs = performance.now() - started;
started = performance.now();
for (const reservation of held) await treasury.commit(reservation, { actual: '1.00' });
const commitMs = performance.now() - started;

const baselinePath = join(root, 'baseline.jsonl');
const line = `${JSON.stringify({ type: 'reservation.opened', id: 'rsv_01JZ0000000000000000000000', at: '2026-05-06T10:00:00.000Z', expires_at: '2026-05-06T10:15:00.000Z', amount: '1.25', currency: 'USD' })}\n`;
started = performance.now();
for (let index = 0; index < rounds; index++) await appendFileDurable(baselinePath, line);
const appendMs = performance.now() - started;

console.log(
  `reserve() x${rounds}, file store, growing to ${rounds} records: ${perOp(reserveMs, rounds)}`,
);
console.log(`commit() of each, durable:                              ${perOp(commitMs, rounds)}`);
console.log(`baseline appendFileDurable() of the same line:          ${perOp(appendMs, rounds)}`);

const config = await treasury.config();
const records = [];
for (let index = 0; index < 100_000; index++) {
  records.push({
    type: 'spend.recorded',
    at: new Date(Date.parse('2026-05-01T00:00:00Z') + index * 60_000).toISOString(),
    amount: `${index % 7}.${String(index % 100).padStart(2, '0')}`,
    currency: 'USD',
    ...(index % 3 === 0 ? { model_class: 'fast-general' } : {}),
  });
}
globalThis.gc?.();
started = performance.now();
const balances = computeBalances(records, config, new Date('2026-05-06T10:00:00Z'));
const foldMs = performance.now() - started;
started = performance.now();
let floatTotal = 0;
for (const record of records) floatTotal += Number(record.amount);
const floatMs = performance.now() - started;
console.log(
  `computeBalances() over ${records.length} records (exact, periods in a time zone): ${foldMs.toFixed(1)} ms`,
);
console.log(
  `baseline float sum of the same amounts:                       ${floatMs.toFixed(1)} ms`,
);
console.log(
  `  exact total ${balances.totals.spent / 100n}.${String(balances.totals.spent % 100n).padStart(2, '0')} vs float total ${floatTotal} (the float is off by ${(floatTotal - Number(balances.totals.spent) / 100).toExponential(2)})`,
);
await rm(root, { recursive: true, force: true });
