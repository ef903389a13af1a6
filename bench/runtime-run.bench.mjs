// The runtime's own time per run — everything but the model — next to the mock model call it
// wraps, on the same run. A run here is a researcher run of examples/newsletter-co played by
// the offline demo script through the AI SDK's mock model: 5 model calls, 4 gated tool calls
// (a skill's instructions, a memory search, a memory write, a message), a fresh context, the
// treasury reservation and settlement, the run's ledger entries and an episode. Reported: wall
// and CPU time per run without the model, and the durable writes (fsync/fdatasync) per run,
// next to the mock model call and one bare fsynced ledger append. Goal: under 20 ms per run.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installFsyncCounter } from './fsync-counter.mjs';

// Counting fsyncs wraps node:fs, so the packages are imported after it.
const fsyncs = await installFsyncCounter();
const { createId } = await import('@karnel/core');
const { openLedger } = await import('@karnel/ledger');
const { createOfflineModel, createRunExecutor, openRuntimeParts, readOfflineScript } = await import(
  '@karnel/runtime'
);
const { MockLanguageModelV4 } = await import('ai/test');

const example = fileURLToPath(new URL('../examples/newsletter-co', import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'karnel-bench-runtime-'));
const dir = join(root, 'newsletter-co');
await cp(example, dir, { recursive: true });

const read = await readOfflineScript(join(dir, 'offline-demo.yaml'));
const offline = createOfflineModel(read.script);
let modelMs = 0;
let modelCalls = 0;
const mock = new MockLanguageModelV4({
  doGenerate: async (options) => {
    const started = performance.now();
    const result = await offline.doGenerate(options);
    modelMs += performance.now() - started;
    modelCalls++;
    return result;
  },
});
const parts = await openRuntimeParts(dir, {
  machineTiersFile: false,
  languageModels: { languageModel: () => mock },
});
const reasons = [{ kind: 'cadence', detail: 'cadence daily is due', at: '2026-12-07T08:00:00Z' }];

const runs = Number(process.env.RUNS ?? 60);
// The default executor (each model answer on disk before the next model call), and one that
// batches answers until the next side effect (durableAnswers: false), runs alternating so that
// the machine's load falls on both alike.
const executor = createRunExecutor(parts);
const durable = createRunExecutor(parts, { durableAnswers: false });
const perRun = [];
const perDurableRun = [];
for (let index = 0; index < 2 * runs; index++) {
  const [current, samples] = index % 2 === 0 ? [executor, perRun] : [durable, perDurableRun];
  const modelBefore = modelMs;
  const fsyncsBefore = fsyncs.count;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await current.execute(
    { runId: createId('run'), member: 'researcher', reasons, resume: false },
    { signal: new AbortController().signal },
  );
  const total = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (result.status !== 'succeeded')
    throw new Error(`run ${index}: ${result.status} ${result.error}`);
  samples.push({
    total,
    model: modelMs - modelBefore,
    cpu: (cpu.user + cpu.system) / 1000,
    fsyncs: fsyncs.count - fsyncsBefore,
  });
}
const report = await parts.ledger.verify();
await parts.close();

// The floor under any durable bookkeeping: one bare fsynced ledger append on the same disk.
const bare = await openLedger(join(root, 'bare-ledger'));
const appends = [];
for (let index = 0; index < 20; index++) {
  const started = performance.now();
  await bare.append({ type: 'bench.note', body: { index } });
  appends.push(performance.now() - started);
}
await bare.close();
await rm(root, { recursive: true, force: true });

// Medians: the machine this runs on is often shared, and a median shrugs off the runs another
// process slowed down.
const mean = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const slice = (from, to) => perRun.slice(from, to);
const durableRow = () => row('all runs, answers batched', perDurableRun);
const row = (label, sample) => {
  const bookkeeping = mean(sample.map((run) => run.total - run.model));
  const model = mean(sample.map((run) => run.model));
  const cpu = mean(sample.map((run) => run.cpu - run.model));
  const synced = mean(sample.map((run) => run.fsyncs));
  console.log(
    `${label.padEnd(30)} bookkeeping ${bookkeeping.toFixed(1).padStart(6)} ms/run wall, ${cpu.toFixed(1).padStart(5)} ms/run CPU, ${String(synced).padStart(3)} fsyncs/run   model ${model.toFixed(2).padStart(5)} ms/run`,
  );
};
console.log(
  `${runs} researcher runs of each executor, ${modelCalls} mock model calls, ledger ${report.ok ? 'verified' : 'BROKEN'} (${report.entries ?? '?'} entries)`,
);
row('first 10 runs', slice(0, 10));
row(`last 10 runs (ledger grown)`, slice(-10));
// The default keeps each answer on disk before the next model call (a crash loses none);
// `durableAnswers: false` batches them until the next side effect.
row('all runs', perRun);
durableRow();
console.log(
  `mock model call alone:             ${(modelMs / modelCalls).toFixed(3)} ms/call (${(modelMs / (2 * runs)).toFixed(2)} ms/run)`,
);
console.log(`one bare fsynced ledger append, same disk:    ${mean(appends).toFixed(2)} ms`);
console.log('(medians per run) goal: bookkeeping under 20 ms per run');
