// Runs spread over PostgreSQL: runs/s of one coordinator with 1, 2 and 4 executor processes on a
// deterministic mock executor (3 model steps per run, no delay), next to the same runs done by
// an in-memory loop in one process (reserve, start, steps, settle, finish on the same ledger
// and treasury: what the embedded queue does), and the added latency from a wake to its run's
// start (p50/p95) on an idle group, next to the in-memory loop's.
//
//
// Then the same for the real run loop (`createRunExecutor` of @karnel/runtime, offline demo
// model, 2 model calls and a `remember` per run) on a generated 24-member group: in one process
// (4 runs at once) next to a coordinator and 1 and 2 executor processes (`openExecutorRuntime`,
// every write sent to the coordinator).
//
// Uses KARNEL_TEST_POSTGRES_URL when set, else starts a throwaway cluster with
// scripts/postgres.sh. `node distributed.bench.mjs executor` is the executor child.
import { execFileSync, spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createId, formatCost, parseCost } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import {
  createCoordinator,
  createRunRecordApplier,
  openExecutorRuntime,
  startExecutorWorker,
} from '@karnel/queue-postgres';
import {
  createRunExecutor,
  generateGroup,
  openOfflineDemo,
  openRuntimeParts,
} from '@karnel/runtime';
import { createTreasury } from '@karnel/treasury';
import pg from 'pg';

const STEPS = 3;
const cost = (runId, step) => `0.0${((runId.charCodeAt(runId.length - 1) + step) % 9) + 1}`;

const made = [];
async function groupDir() {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-bench-distributed-'));
  made.push(dir);
  await mkdir(join(dir, 'treasury'));
  await writeFile(
    join(dir, 'treasury', 'balances.yaml'),
    'financial:\n  currency: USD\n  time_zone: UTC\n  budget_weekly: 100000.00\n',
  );
  return dir;
}

async function openGroup(dir) {
  const ledgerDir = join(dir, 'ledger');
  const ledger = await openLedger(ledgerDir);
  const treasury = createTreasury({ dir: join(dir, 'treasury'), ledger });
  return { ledger, ledgerDir, treasury };
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** The embedded alternative: one process, an in-memory queue, the same ledger and treasury work per run. */
async function inMemoryLoop(runs, members) {
  const { ledger, treasury } = await openGroup(await groupDir());
  const queue = [];
  const latencies = [];
  let done = 0;
  let stop = false;
  const worker = (async () => {
    while (!stop) {
      const wake = queue.shift();
      if (wake === undefined) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const held = await treasury.reserve({ amount: '1.00', purpose: wake.member });
      const { runId } = await ledger.startRun({
        manifest: { member: wake.member, reservationId: held.reservation.id },
      });
      // The run begins here: reserved and recorded as started, as the coordinator answers.
      latencies.push(performance.now() - wake.at);
      let total = 0n;
      for (let step = 0; step < STEPS; step += 1) {
        const c = cost(runId, step);
        total += parseCost(c).value;
        await ledger.appendStep(runId, { runId, step, kind: 'model', model: 'mock', cost: c });
      }
      await treasury.commit(held.reservation, { actual: formatCost(total) });
      await ledger.finishRun(runId, { status: 'succeeded', cost: formatCost(total) });
      done += 1;
    }
  })();
  const started = performance.now();
  for (let index = 0; index < runs; index += 1) {
    queue.push({ member: members[index % members.length], at: performance.now() });
  }
  while (done < runs) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  // Latency on an idle loop: one wake at a time.
  latencies.length = 0;
  for (let index = 0; index < 30; index += 1) {
    const before = done;
    queue.push({ member: members[index % members.length], at: performance.now() });
    while (done === before) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  stop = true;
  await worker;
  await ledger.close();
  return { runsPerSecond: runs / seconds, latencies };
}

function startExecutor(url, group, args = ['executor']) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    env: { ...process.env, KARNEL_QUEUE_URL: url, BENCH_GROUP: group },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise((resolve) => child.stdout.once('data', resolve));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    ready,
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function finishedCount(coordinator) {
  return coordinator.stats.finished;
}

/** Enqueues `perMember` wakes for each member (queued, not coalesced), as fast as they are taken. */
async function drive(queue, members, perMember) {
  const left = new Map(members.map((member) => [member, perMember]));
  while (left.size > 0) {
    for (const [member, count] of left) {
      const result = await queue.enqueue(member, {
        kind: 'manual',
        detail: 'bench',
        at: new Date().toISOString(),
      });
      if (result.status === 'queued') {
        if (count === 1) left.delete(member);
        else left.set(member, count - 1);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function distributed(url, executors, runs, members) {
  const group = `bench-${executors}-${process.pid}-${Date.now()}`;
  const { ledger, ledgerDir, treasury } = await openGroup(await groupDir());
  const coordinator = await createCoordinator({
    queue: { connectionString: url, group, leaseSeconds: 30, sweepSeconds: 5 },
    ledger,
    ledgerDir,
    treasury,
    maxCostPerRun: '1.00',
    pollMs: 5,
  });
  const children = Array.from({ length: executors }, () => startExecutor(url, group));
  await Promise.all(children.map((child) => child.ready));
  const started = performance.now();
  await drive(coordinator.queue, members, runs / members.length);
  while ((await finishedCount(coordinator)) < runs)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;

  // Latency on an idle group: one wake at a time, from enqueue to the coordinator's answer to
  // the executor's start (when the run begins).
  const latencies = [];
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  for (let index = 0; index < 30; index += 1) {
    const before = coordinator.stats.finished;
    const at = new Date();
    await coordinator.queue.enqueue(members[index % members.length], {
      kind: 'manual',
      detail: 'latency',
      at: at.toISOString(),
    });
    while (coordinator.stats.finished === before)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const { rows } = await db.query(
      `SELECT handled_on FROM karnel.run_message WHERE group_name = $1 AND kind = 'start' ORDER BY id DESC LIMIT 1`,
      [group],
    );
    latencies.push(rows[0].handled_on.getTime() - at.getTime());
  }
  await db.end();
  await Promise.all(children.map((child) => child.stop()));
  await coordinator.close();
  await ledger.close();
  return { runsPerSecond: runs / seconds, latencies };
}

/** A generated group whose members play a two-call offline script, with priced tiers. */
async function realGroup(members) {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-bench-real-'));
  made.push(dir);
  const roles = await generateGroup(dir, {
    members,
    budgetWeekly: '100000.00',
    maxCostPerRun: '1.00',
  });
  // A protocol, so runs can message and archive (the generated group has none).
  await mkdir(join(dir, 'coordination'));
  await writeFile(
    join(dir, 'coordination', 'protocol.yaml'),
    'coordination_type: "hierarchical"\nhierarchical:\n  decision_authority: "agent_000"\ncommunication:\n  default: "structured_message"\n  archival: "all_messages_to_ledger"\n',
  );
  await appendFile(
    join(dir, 'manifest.yaml'),
    '\ncoordination_ref: "./coordination/protocol.yaml"\n',
  );
  await writeFile(
    join(dir, 'tiers.yaml'),
    'tiers:\n  bulk-cheap:\n    - model: openai:gpt-5-nano\n      price: { input: "0.05", output: "0.40" }\n',
  );
  const scenario = [
    '    - name: work',
    '      steps:',
    '        - tool: remember',
    '          input: { kind: note, text: Looked at the queue. }',
    '        - text: Done for now.',
  ].join('\n');
  await writeFile(
    join(dir, 'offline-demo.yaml'),
    `karnel_offline_script: "0.1"\ndescription: bench\nmembers:\n${roles.map((role) => `  ${role}:\n${scenario}`).join('\n')}\n`,
  );
  return { dir, roles };
}

/** The real run loop in one process, 4 runs at once (the embedded runtime's default). */
async function realInProcess(runs, members) {
  const { dir, roles } = await realGroup(members);
  const parts = await openRuntimeParts(dir, {
    machineTiersFile: false,
    languageModels: await openOfflineDemo(dir),
  });
  const executor = createRunExecutor(parts);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let index = next++; index < runs; index = next++) {
        const result = await executor.execute(
          {
            runId: createId('run'),
            member: roles[index % roles.length],
            reasons: [{ kind: 'manual', detail: 'bench', at: new Date().toISOString() }],
            resume: false,
          },
          { signal: new AbortController().signal },
        );
        if (result.status !== 'succeeded') throw new Error(`run failed: ${result.error}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await parts.close();
  return runs / seconds;
}

/** The real run loop on `executors` processes, one coordinator applying what they send. */
async function realDistributed(url, executors, runs, members) {
  const { dir, roles } = await realGroup(members);
  const group = `bench-real-${executors}-${process.pid}-${Date.now()}`;
  const parts = await openRuntimeParts(dir, { machineTiersFile: false });
  const coordinator = await createCoordinator({
    queue: { connectionString: url, group, leaseSeconds: 30, sweepSeconds: 5 },
    ledger: parts.ledger,
    ledgerDir: parts.ledger.dir,
    treasury: parts.treasury,
    maxCostPerRun: '1.00',
    apply: createRunRecordApplier(parts),
    pollMs: 5,
  });
  const children = Array.from({ length: executors }, () =>
    startExecutor(url, group, ['real-executor', dir]),
  );
  await Promise.all(children.map((child) => child.ready));
  const started = performance.now();
  await drive(coordinator.queue, roles, runs / roles.length);
  while (coordinator.stats.finished < runs) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(children.map((child) => child.stop()));
  await coordinator.close();
  await parts.close();
  return runs / seconds;
}

async function main() {
  let url = process.env.KARNEL_TEST_POSTGRES_URL;
  let stopDir;
  if (!url) {
    const script = fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url));
    const out = execFileSync('bash', [script, 'start'], { encoding: 'utf8' });
    url = /KARNEL_TEST_POSTGRES_URL=(\S+)/.exec(out)[1];
    stopDir = /KARNEL_TEST_POSTGRES_DIR=(\S+)/.exec(out)[1];
  }
  try {
    const runs = 120;
    const members = Array.from({ length: 24 }, (_, index) => `member-${index}`);
    const memory = await inMemoryLoop(runs, members);
    console.log(`${runs} runs of ${members.length} members, ${STEPS} mock model steps each`);
    console.log(
      `in-memory loop, one process:        ${memory.runsPerSecond.toFixed(1)} runs/s, wake-to-start on an idle loop p50 ${percentile(memory.latencies, 50).toFixed(0)} ms, p95 ${percentile(memory.latencies, 95).toFixed(0)} ms`,
    );
    for (const executors of [1, 2, 4]) {
      const result = await distributed(url, executors, runs, members);
      console.log(
        `PostgreSQL, coordinator + ${executors} executor${executors > 1 ? 's' : ' '}:  ${result.runsPerSecond.toFixed(1)} runs/s, wake-to-start on an idle group p50 ${percentile(result.latencies, 50)} ms, p95 ${percentile(result.latencies, 95)} ms`,
      );
    }
    const realRuns = 48;
    console.log(
      `\nthe real run loop: ${realRuns} runs of 24 generated members, offline demo model (2 model calls and a remember per run)`,
    );
    console.log(
      `one process, 4 at once:             ${(await realInProcess(realRuns, 24)).toFixed(1)} runs/s`,
    );
    for (const executors of [1, 2]) {
      const perSecond = await realDistributed(url, executors, realRuns, 24);
      console.log(
        `PostgreSQL, coordinator + ${executors} executor${executors > 1 ? 's' : ' '}:  ${perSecond.toFixed(1)} runs/s (4 at once each; every write applied by the coordinator)`,
      );
    }
  } finally {
    await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
    if (stopDir)
      execFileSync('bash', [
        fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url)),
        'stop',
        stopDir,
      ]);
  }
}

async function executorChild() {
  const worker = await startExecutorWorker({
    queue: { group: process.env.BENCH_GROUP, leaseSeconds: 30, sweepSeconds: 5 },
    executor: (session) => ({
      async execute(ticket) {
        for (let step = session.recordedSteps; step < STEPS; step += 1) {
          await session.appendStep({
            runId: ticket.runId,
            kind: 'model',
            model: 'mock',
            cost: cost(ticket.runId, step),
          });
        }
        return { status: 'succeeded', cost: '0', steps: STEPS };
      },
    }),
  });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => worker.close().then(() => process.exit(0)));
}

async function realExecutorChild(dir) {
  const runtime = await openExecutorRuntime(dir, {
    machineTiersFile: false,
    languageModels: await openOfflineDemo(dir),
  });
  const worker = await startExecutorWorker({
    queue: { group: process.env.BENCH_GROUP, leaseSeconds: 30, sweepSeconds: 5 },
    executor: runtime.executor,
    concurrency: 4,
    pollMs: 100,
  });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () =>
    worker
      .close()
      .then(() => runtime.close())
      .then(() => process.exit(0)),
  );
}

if (process.argv[2] === 'executor') await executorChild();
else if (process.argv[2] === 'real-executor') await realExecutorChild(process.argv[3]);
else await main();
