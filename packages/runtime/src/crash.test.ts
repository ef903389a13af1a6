import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LedgerEntry, openLedger, readLedgerEntries } from '@karnel/ledger';
import { createTreasury } from '@karnel/treasury';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime } from './create-runtime';
import { generateGroup } from './testing/generate-group';
import { createScriptedExecutor } from './testing/scripted-executor';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const ledgerPackage = fileURLToPath(import.meta.resolve('@karnel/ledger'));
const treasuryPackage = fileURLToPath(import.meta.resolve('@karnel/treasury'));
/** Seeds to run; `KARNEL_CRASH_SEEDS=20` for the full check. */
const SEEDS = Number(process.env.KARNEL_CRASH_SEEDS ?? 3);
const KILLS = 3;
const MEMBERS = 5;

/** mulberry32: a small seeded generator, so that a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const childScript = `import { createRuntime, createScriptedExecutor } from ${JSON.stringify(dist)};
import { openLedger } from ${JSON.stringify(ledgerPackage)};
import { createTreasury } from ${JSON.stringify(treasuryPackage)};
const [dir, seed] = process.argv.slice(2);
const ledger = await openLedger(dir + '/ledger');
const treasury = createTreasury({ dir: dir + '/treasury', ledger });
let calls = 0;
const executor = createScriptedExecutor({
  ledger,
  treasury,
  script: () => ({ cost: '0.05', durationMs: ((Number(seed) * 7919 + calls++ * 104729) % 150) }),
});
const runtime = createRuntime({ dir, executor, ledger, treasury, tickIntervalMs: 30, maxConcurrentRuns: 2 });
await runtime.start();
process.stdout.write('started\\n');
`;

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function entries(dir: string): Promise<LedgerEntry[]> {
  const found: LedgerEntry[] = [];
  for await (const entry of readLedgerEntries(join(dir, 'ledger'))) found.push(entry);
  return found;
}

async function runAndKill(dir: string, script: string, seed: number, afterMs: number) {
  const child: ChildProcess = spawn(process.execPath, [script, dir, String(seed)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('started')) resolve();
    });
    child.once('exit', () => resolve());
  });
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  child.kill('SIGKILL');
  await exited;
}

describe(`SIGKILL at random moments (${SEEDS} seeds × ${KILLS} kills, ${MEMBERS} members all due)`, () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}: the ledger verifies, every run ends once, no reservation is settled twice or left open`, async () => {
      const next = random(seed);
      const dir = await mkdtemp(join(tmpdir(), `karnel-crash-${seed}-`));
      dirs.push(dir);
      await generateGroup(dir, {
        members: MEMBERS,
        cadence: 'daily',
        joinedAt: new Date(Date.now() - 2 * 86_400_000),
        maxCostPerRun: '0.10',
        budgetWeekly: '100.00',
      });
      const script = join(dir, 'crash-child.mjs');
      await writeFile(script, childScript);
      for (let kill = 0; kill < KILLS; kill++)
        await runAndKill(dir, script, seed, Math.floor(next() * 400));

      // A last runtime, left to finish: it takes over the stale lease and recovers everything.
      const ledger = await openLedger(join(dir, 'ledger'));
      try {
        const treasury = createTreasury({ dir: join(dir, 'treasury'), ledger });
        const executor = createScriptedExecutor({
          ledger,
          treasury,
          script: () => ({ cost: '0.05' }),
        });
        await createRuntime({ dir, executor, ledger, treasury }).runOnce();
        expect((await ledger.verify()).ok).toBe(true);

        const all = await entries(dir);
        const started = all.filter((entry) => entry.type === 'run.started');
        const finished = all.filter((entry) => entry.type === 'run.finished');
        const runIds = started.map((entry) => entry.body.run_id);
        // Each member ran its due cadence exactly once: a run cut short resumed under its id.
        expect(new Set(runIds).size).toBe(runIds.length);
        expect(runIds).toHaveLength(MEMBERS);
        expect(finished.map((entry) => entry.body.run_id).sort()).toEqual([...runIds].sort());
        // Every execution is paid from its own reservation, settled once; a reservation left
        // by a killed execution is released, never charged.
        const spends = all.filter((entry) => entry.type === 'spend.recorded');
        const settled = spends.map((entry) => entry.body.reservation);
        expect(new Set(settled).size).toBe(settled.length);
        const released = all
          .filter((entry) => entry.type === 'reservation.released')
          .map((entry) => entry.body.id);
        expect(settled.filter((id) => released.includes(id))).toEqual([]);
        expect(new Set(spends.map((entry) => entry.body.run))).toEqual(new Set(runIds));
        const balances = await treasury.balances();
        expect(balances.openReservations).toEqual([]);
        console.info(
          `seed ${seed}: ${all.filter((entry) => entry.type === 'run.resumed').length} resumed executions, ${released.length} reservations released, ${all.filter((entry) => entry.type === 'runtime.lease_taken' && entry.body.tookOverFrom).length} stale leases taken over`,
        );
      } finally {
        await ledger.close();
      }
    }, 120_000);
  }
});
