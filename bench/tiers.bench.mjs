// Tiers: the cost per call that routing through a tier model adds, with and without the ledger
// and budget middleware, next to calling the same loopback OpenAI-compatible provider directly,
// one caller at a time and with 16 concurrent callers (where the ledger and the treasury
// group-commit). The budget rows run with a treasury in its own records file, and with a
// treasury kept in the ledger, as the runtime opens them (one group-commit ledger for the
// model.call entries and the treasury records).
//
// The goal (issue 13): the added cost of routing + both middlewares under 0.5 ms per call. It is
// measured on the last row, 16 concurrent callers through the runtime's configuration, as the
// wall time per call added to calling the provider directly: the durable writes are shared
// there. One caller at a time pays at least one fsync of the disk per call whatever is shared,
// so those rows are printed next to it, not held to it.
// The provider is a node:http server in this process answering a fixed chat completion, so the
// figures are Karnel's overhead plus one loopback round trip (the same in every row).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The packages measured: this repository's builds, or those of another checkout given by its
// packages folder (to compare before and after a change on the same machine, back to back:
// TIERS_BENCH_PACKAGES=/path/to/other/checkout/packages). @karnel/tiers is not a dependency of
// the bench package, so every build is loaded by path.
const packages = process.env.TIERS_BENCH_PACKAGES
  ? new URL(`${process.env.TIERS_BENCH_PACKAGES.replace(/\/?$/, '/')}`, `file://${process.cwd()}/`)
  : new URL('../packages/', import.meta.url);
const load = (name) => import(new URL(`${name}/dist/index.js`, packages).href);
const tiers = await load('tiers');
const { openLedger } = await load('ledger');
const { createTreasury } = await load('treasury');

const calls = Number(process.env.TIERS_BENCH_CALLS ?? 2000);
const body = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_767_225_600,
  model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
});
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/v1`;

const root = await mkdtemp(join(tmpdir(), 'karnel-bench-'));
await writeFile(
  join(root, 'tiers.yaml'),
  `providers:\n  lab:\n    kind: openai-compatible\n    base_url: ${url}\ntiers:\n  fast-general:\n    - model: lab:bench\n      price: { input: "0.15", output: "0.60" }\n`,
);
const { config } = await tiers.loadTiersConfig({ groupDir: root, machineFile: false });
const profile = {
  specificationVersion: 'v1',
  ramBytes: 8 * 1024 ** 3,
  freeRamBytes: 4 * 1024 ** 3,
  cpuCount: 2,
  cpuModel: 'bench',
  gpus: [],
  ollama: { host: 'http://127.0.0.1:1', reachable: false, models: [] },
  keysPresent: [],
};
const params = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'Reply with OK.' }] }],
  maxOutputTokens: 16,
};
const direct = (await tiers.createTierProvider(config.providers.lab, {})).languageModel('bench');

// Interleaved rounds: every configuration runs once per round, and its figure is the median of
// its rounds, so a burst of load on a shared machine lands in one round, not on one row.
const rounds = 4;
const perRound = Math.ceil(calls / rounds);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// Wall time per call, and this process's CPU time per call (client, middleware and the loopback
// server together): the CPU figure barely moves with other load on the machine, the wall figure
// includes waiting for fsyncs.
async function timed(count, run) {
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return {
    wall: ((performance.now() - started) * 1000) / count,
    cpu: (used.user + used.system) / count,
  };
}
const timeOnce = (model, count) =>
  timed(count, async () => {
    for (let index = 0; index < count; index++) await model.doGenerate(params);
  });
const timeConcurrent = (model, count) =>
  timed(count, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next++ < count) await model.doGenerate(params);
      }),
    );
  });
async function measure(configurations, time, count = perRound) {
  for (const { model } of configurations)
    for (let index = 0; index < 50; index++) await model.doGenerate(params); // warm up
  const figures = configurations.map(() => []);
  for (let round = 0; round < rounds; round++)
    for (const [index, { model }] of configurations.entries())
      figures[index].push(await time(model, count));
  return figures.map((runs) => ({
    wall: median(runs.map((run) => run.wall)),
    cpu: median(runs.map((run) => run.cpu)),
  }));
}

async function treasuryIn(name) {
  const dir = join(root, name);
  await mkdir(dir);
  await writeFile(
    join(dir, 'balances.yaml'),
    'financial:\n  currency: USD\n  budget_weekly: 100000.00\n',
  );
  return createTreasury({ dir });
}
const open = (extra) =>
  tiers.openTierModel({ tier: 'fast-general', config, profile, env: {}, ...extra });

// One caller at a time: each call waits for its own durable appends (ledger entry, reservation,
// spend), so these rows pay the disk's fsync latency in full.
const ledger = await openLedger(join(root, 'ledger'));
// The runtime's configuration: one group-commit ledger, the treasury's records kept in it.
async function runtimeParts(name) {
  const shared = await openLedger(join(root, `${name}-ledger`), { groupCommit: true });
  const dir = join(root, name);
  await mkdir(dir);
  await writeFile(
    join(dir, 'balances.yaml'),
    'financial:\n  currency: USD\n  budget_weekly: 100000.00\n',
  );
  return { ledger: shared, treasury: createTreasury({ dir, ledger: shared }) };
}
const sequential = [
  { label: 'baseline: the provider model called directly', model: direct },
  { label: 'tier model (routing only)', model: await open({}) },
  { label: 'tier model + ledger middleware', model: await open({ ledger }) },
  {
    label: 'tier model + ledger + budget (file treasury)',
    model: await open({ ledger, treasury: await treasuryIn('treasury') }),
  },
  {
    label: 'tier model + ledger + budget (ledger treasury)',
    model: await open(await runtimeParts('runtime-one')),
  },
];
const inFlight = 16;
// Concurrent callers: the ledger and the treasury group-commit, so callers share fsyncs.
const groupLedger = await openLedger(join(root, 'ledger-group'), { groupCommit: true });
const concurrent = [
  { label: `${inFlight} concurrent callers: direct`, model: direct },
  {
    label: `${inFlight} concurrent: tier + ledger + budget (file treasury)`,
    model: await open({ ledger: groupLedger, treasury: await treasuryIn('treasury-group') }),
  },
  {
    label: `${inFlight} concurrent: tier + ledger + budget (ledger treasury)`,
    model: await open(await runtimeParts('runtime-group')),
  },
];
const sequentialFigures = await measure(sequential, timeOnce);
const concurrentFigures = await measure(concurrent, timeConcurrent);

// Routing alone, without the loopback round trip: an in-process model answering at once.
const instant = {
  specificationVersion: 'v4',
  provider: 'lab',
  modelId: 'bench',
  supportedUrls: {},
  doGenerate: async () => ({
    content: [{ type: 'text', text: 'OK' }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: {
      inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 2, text: 2, reasoning: 0 },
    },
    warnings: [],
  }),
  doStream: async () => {
    throw new Error('not used');
  },
};
const resolution = tiers.resolveTier('fast-general', config, profile, {});
const instantTier = tiers.createTierModel({
  resolution,
  registry: { languageModel: () => instant },
});
const [instantDirect, instantRouted] = await measure(
  [{ model: instant }, { model: instantTier }],
  timeOnce,
  5000,
);

function print(rows, figures) {
  const delta = (value) => `${value < 0 ? '' : '+'}${value.toFixed(0)}`;
  for (const [index, { label }] of rows.entries()) {
    const { wall, cpu } = figures[index];
    const added =
      index === 0
        ? ''
        : `  (${delta(wall - figures[0].wall)} µs wall, ${delta(cpu - figures[0].cpu)} µs CPU)`;
    console.log(
      `${label.padEnd(56)} ${wall.toFixed(0).padStart(7)} µs/call, CPU ${cpu.toFixed(0).padStart(5)} µs${added}`,
    );
  }
}
console.log(
  `${calls} calls per row, ${rounds} interleaved rounds, median round; packages from ${process.env.TIERS_BENCH_PACKAGES ?? 'this repository'}`,
);
print(sequential, sequentialFigures);
print(concurrent, concurrentFigures);
const goalAdded = concurrentFigures.at(-1).wall - concurrentFigures[0].wall;
console.log(
  `goal: routing + ledger + budget under 500 µs added per call, measured on the last row (${inFlight} concurrent callers, ledger treasury, wall): ${goalAdded.toFixed(0)} µs, ${goalAdded < 500 ? 'met' : 'not met'}`,
);
console.log(
  `${'in-process model: direct vs through the tier model'.padEnd(56)} ${instantDirect.wall.toFixed(2)} vs ${instantRouted.wall.toFixed(2)} µs/call (+${(instantRouted.wall - instantDirect.wall).toFixed(2)} µs)`,
);
server.close();
await rm(root, { recursive: true, force: true });
