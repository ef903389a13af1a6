// The runtime's scheduler, each figure next to the obvious alternative measured in the same run:
// - the tick for a group of 100 members with nothing due: warm (what a running runtime does
//   every tick: stat the group's files and the ledger, decide) next to a bare readdir + stat of
//   the same files; cold (read and validate the whole directory, fold the ledger) next to a bare
//   readdir + readFile of the same files;
// - the scheduler's own bookkeeping per run with all 100 members due (claim, budget reservation,
//   dispatch, the scripted executor's three ledger records, completion), and runs per second;
//   the model call itself is the executor's figure, not this one;
// - an idle runtime over 60 s (BENCH_IDLE_SECONDS to change): CPU % and RSS of a process running
//   the group, next to a bare Node process that only keeps a timer. Goals: idle CPU < 1 %,
//   RSS < 300 MB.
// Imported from the built package by path: bench/package.json does not list @karnel/runtime.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installFsyncCounter } from './fsync-counter.mjs';

// Counting fsyncs wraps node:fs, so the packages are imported after it.
const fsyncs = await installFsyncCounter();
const { openLedger } = await import('@karnel/ledger');
const { createTreasury } = await import('@karnel/treasury');
const {
  computeDueWakes,
  createGroupWatcher,
  createLedgerHistory,
  createRuntime,
  createScriptedExecutor,
  generateGroup,
  loadGroupSnapshot,
} = await import('../packages/runtime/dist/index.js');

const MEMBERS = 100;
const runtimeDist = fileURLToPath(new URL('../packages/runtime/dist/index.js', import.meta.url));
const ledgerDist = fileURLToPath(new URL('../packages/ledger/dist/index.js', import.meta.url));

function stats(samples) {
  const sorted = [...samples].sort((left, right) => left - right);
  const at = (fraction) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return { median: at(0.5), p90: at(0.9) };
}

/** Interleaved rounds, so the load other processes put on the machine falls on all alike. */
async function measureRounds(rounds, variants) {
  for (const variant of variants) await variant.fn();
  const samples = variants.map(() => []);
  for (let round = 0; round < rounds; round++)
    for (const [index, variant] of variants.entries()) {
      const start = performance.now();
      await variant.fn();
      samples[index].push(performance.now() - start);
    }
  return variants.map((variant, index) => ({ name: variant.name, ...stats(samples[index]) }));
}

function print(title, results) {
  console.log(`\n${title}`);
  for (const { name, median, p90 } of results)
    console.log(`  ${name.padEnd(58)} median ${median.toFixed(2)} ms   p90 ${p90.toFixed(2)} ms`);
}

/** The files the tick looks at: manifest, member files, agent manifests, the ledger's chain. */
async function groupFiles(dir) {
  const files = [join(dir, 'manifest.yaml'), join(dir, 'ledger', 'chain.jsonl')];
  for (const name of await readdir(join(dir, 'members'))) files.push(join(dir, 'members', name));
  for (const name of await readdir(join(dir, 'agents')))
    files.push(join(dir, 'agents', name, 'manifest.yaml'));
  return files;
}

async function bareStat(dir) {
  await readdir(join(dir, 'members'));
  await readdir(join(dir, 'agents'));
  await Promise.all((await groupFiles(dir)).map((file) => stat(file).catch(() => undefined)));
}

async function bareRead(dir) {
  await Promise.all(
    (await groupFiles(dir)).map((file) => readFile(file, 'utf8').catch(() => undefined)),
  );
}

const root = await mkdtemp(join(tmpdir(), 'karnel-bench-runtime-'));
try {
  // --- the tick ------------------------------------------------------------------------------
  const idle = join(root, 'idle');
  await mkdir(idle);
  await generateGroup(idle, { members: MEMBERS, cadence: 'daily' });
  // A ledger with some history, as a group that has been running has.
  {
    const ledger = await openLedger(join(idle, 'ledger'));
    for (let index = 0; index < 200; index++)
      await ledger.append({ type: 'note.recorded', body: { index } });
    await ledger.close();
  }
  const watcher = createGroupWatcher(idle);
  const history = createLedgerHistory(join(idle, 'ledger'));
  const startedAt = new Date();
  const warmTick = async () => {
    const snapshot = await watcher.current();
    await history.refresh();
    const due = computeDueWakes({ snapshot, history, now: new Date(), startedAt });
    if (due.some((wake) => wake.reasons.length > 0)) throw new Error('something was due');
  };
  const coldTick = async () => {
    const snapshot = await loadGroupSnapshot(idle);
    const fresh = createLedgerHistory(snapshot.ledgerDir);
    await fresh.refresh();
    computeDueWakes({ snapshot, history: fresh, now: new Date(), startedAt });
  };
  print(
    `tick, ${MEMBERS} members, nothing due, 200-entry ledger (${(await groupFiles(idle)).length} files)`,
    await measureRounds(30, [
      { name: 'warm tick (a running runtime: stat, decide)', fn: warmTick },
      { name: 'bare readdir + stat of the same files', fn: () => bareStat(idle) },
    ]),
  );
  print(
    'cold tick (read and validate the directory, fold the ledger)',
    await measureRounds(10, [
      { name: 'cold tick', fn: coldTick },
      { name: 'bare readdir + readFile of the same files', fn: () => bareRead(idle) },
    ]),
  );

  // --- runs: the scheduler's bookkeeping --------------------------------------------------------
  const busy = join(root, 'busy');
  for (const concurrency of [1, 4]) {
    const dir = join(busy, String(concurrency));
    await mkdir(dir, { recursive: true });
    await generateGroup(dir, {
      members: MEMBERS,
      cadence: 'daily',
      joinedAt: new Date(Date.now() - 2 * 86_400_000),
      maxCostPerRun: '0.10',
      budgetWeekly: '1000.00',
    });
    const ledger = await openLedger(join(dir, 'ledger'));
    const scripted = createScriptedExecutor({ ledger });
    const cpuMs = () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1000;
    };
    // Wall, CPU and fsyncs spent inside the executor and inside the treasury's reservations.
    // One run at a time, the process does nothing else meanwhile, so their CPU is theirs.
    const inside = (counts) => async (fn) => {
      const start = performance.now();
      const cpu = cpuMs();
      const synced = fsyncs.count;
      try {
        return await fn();
      } finally {
        counts.wall += performance.now() - start;
        counts.cpu += cpuMs() - cpu;
        counts.fsyncs += fsyncs.count - synced;
      }
    };
    const executing = { wall: 0, cpu: 0, fsyncs: 0 };
    const reserving = { wall: 0, cpu: 0, fsyncs: 0 };
    const executor = {
      execute: (ticket, options) => inside(executing)(() => scripted.execute(ticket, options)),
    };
    // The floor every run pays: one fsynced ledger append, measured on the same disk, same run.
    const appendStart = performance.now();
    for (let index = 0; index < 20; index++)
      await ledger.append({ type: 'note.recorded', body: { index } });
    const appendMs = (performance.now() - appendStart) / 20;
    // The treasury the runtime reserves from, with its reservations timed.
    const realTreasury = createTreasury({ dir: join(dir, 'treasury'), ledger });
    const treasury = {
      ...realTreasury,
      reserve: (request) => inside(reserving)(() => realTreasury.reserve(request)),
    };
    const runtime = createRuntime({
      dir,
      executor,
      ledger,
      treasury,
      maxConcurrentRuns: concurrency,
    });
    const start = performance.now();
    const cpuStart = cpuMs();
    const fsyncsStart = fsyncs.count;
    const report = await runtime.runOnce();
    const elapsed = performance.now() - start;
    const cpu = cpuMs() - cpuStart;
    const synced = fsyncs.count - fsyncsStart;
    await ledger.close();
    if (report.runs.length !== MEMBERS) throw new Error(`expected ${MEMBERS} runs`);
    console.log(
      `\nruns, all ${MEMBERS} members due, ${concurrency} at a time (max_cost_per_run reserved before each)`,
    );
    console.log(
      `  ${MEMBERS} runs in ${elapsed.toFixed(0)} ms: ${(MEMBERS / (elapsed / 1000)).toFixed(1)} runs/s, ${(elapsed / MEMBERS).toFixed(2)} ms per run`,
    );
    const per = (value) => (value / MEMBERS).toFixed(2).padStart(6);
    const row = (label, wall, cpu_, synced_) =>
      console.log(
        `  ${label.padEnd(72)} ${per(wall)} ms wall ${per(cpu_)} ms CPU ${per(synced_)} fsyncs per run`,
      );
    if (concurrency === 1) {
      row('all of it', elapsed, cpu, synced);
      row(
        'the scheduler (tick, claim, reservation, dispatch, completion)',
        elapsed - executing.wall,
        cpu - executing.cpu,
        synced - executing.fsyncs,
      );
      row("  of which the treasury's reservation", reserving.wall, reserving.cpu, reserving.fsyncs);
      row(
        'the executor (scripted test double: run.started, a step, run.finished)',
        executing.wall,
        executing.cpu,
        executing.fsyncs,
      );
      console.log(
        `  one bare fsynced ledger append on the same disk: ${appendMs.toFixed(2)} ms (goal: bookkeeping < 20 ms per run; a real run's executor: pnpm bench runtime-run)`,
      );
    }
  }

  // --- idle CPU and RSS -------------------------------------------------------------------------
  const seconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
  const child = join(root, 'idle-runtime.mjs');
  await writeFile(
    child,
    `import { createRuntime, createScriptedExecutor } from ${JSON.stringify(runtimeDist)};
import { openLedger } from ${JSON.stringify(ledgerDist)};
const dir = process.argv[2];
const ledger = await openLedger(dir + '/ledger');
const executor = createScriptedExecutor({ ledger });
const runtime = createRuntime({ dir, executor, ledger });
await runtime.start();
process.on('SIGTERM', async () => { await runtime.stop(); await ledger.close(); process.stdout.write('runs ' + executor.tickets.length + '\\n'); process.exit(0); });
process.stdout.write('ready\\n');
`,
  );
  const bare = join(root, 'bare.mjs');
  await writeFile(
    bare,
    `setInterval(() => {}, 10000); process.on('SIGTERM', () => process.exit(0)); process.stdout.write('ready\\n');`,
  );

  const ticksPerSecond = 100; // USER_HZ on Linux
  async function procStat(pid) {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
    return { cpu, rss };
  }
  async function measureIdle(args) {
    const process_ = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise((resolve) =>
      process_.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('ready')) resolve();
      }),
    );
    const before = await procStat(process_.pid);
    let peak = before.rss;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      peak = Math.max(peak, (await procStat(process_.pid)).rss);
    }
    const after = await procStat(process_.pid);
    const wall = (performance.now() - started) / 1000;
    const exited = new Promise((resolve) => process_.on('exit', resolve));
    process_.kill('SIGTERM');
    await exited;
    return { cpuPercent: ((after.cpu - before.cpu) / wall) * 100, rss: after.rss, peak, out };
  }
  const [runtimeIdle, bareIdle] = [await measureIdle([child, idle]), await measureIdle([bare])];
  console.log(`\nidle over ${seconds} s, ${MEMBERS} members, nothing due (tick every 10 s)`);
  console.log(
    `  karnel runtime      CPU ${runtimeIdle.cpuPercent.toFixed(3)} %   RSS ${runtimeIdle.rss.toFixed(0)} MB (peak ${runtimeIdle.peak.toFixed(0)} MB)   ${runtimeIdle.out.trim().split('\n').at(-1)}`,
  );
  console.log(
    `  bare node + timer   CPU ${bareIdle.cpuPercent.toFixed(3)} %   RSS ${bareIdle.rss.toFixed(0)} MB (peak ${bareIdle.peak.toFixed(0)} MB)`,
  );
  console.log('  goals: idle CPU < 1 %, RSS < 300 MB; zero runs');
} finally {
  await rm(root, { recursive: true, force: true });
}
