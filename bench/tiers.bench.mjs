// Tiers: the cost per call that routing through a tier model adds, with and without the ledger
// and budget middleware, next to calling the same loopback OpenAI-compatible provider directly.
// The provider is a node:http server in this process answering a fixed chat completion, so the
// figures are Karnel's overhead plus one loopback round trip (the same in every row).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '@karnel/ledger';
import { createTreasury } from '@karnel/treasury';

// @karnel/tiers is not a dependency of the bench package; load its build directly.
const tiers = await import(new URL('../packages/tiers/dist/index.js', import.meta.url).href);

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

async function time(model, count = calls) {
  for (let index = 0; index < 50; index++) await model.doGenerate(params); // warm up
  globalThis.gc?.();
  const started = performance.now();
  for (let index = 0; index < count; index++) await model.doGenerate(params);
  return ((performance.now() - started) * 1000) / count;
}

const treasuryDir = join(root, 'treasury');
await mkdir(treasuryDir);
await writeFile(
  join(treasuryDir, 'balances.yaml'),
  'financial:\n  currency: USD\n  budget_weekly: 100000.00\n',
);
const ledger = await openLedger(join(root, 'ledger'));
const treasury = createTreasury({ dir: treasuryDir });

const baseline = await time(direct);
const routed = await time(
  await tiers.openTierModel({ tier: 'fast-general', config, profile, env: {} }),
);
const withLedger = await time(
  await tiers.openTierModel({ tier: 'fast-general', config, profile, env: {}, ledger }),
);
const budgetCalls = Math.min(calls, Number(process.env.TIERS_BENCH_BUDGET_CALLS ?? 300));
const withBoth = await time(
  await tiers.openTierModel({ tier: 'fast-general', config, profile, env: {}, ledger, treasury }),
  budgetCalls,
);
// Concurrent callers share the ledger's fsyncs when it group-commits (Annex D, section 5).
const groupLedger = await openLedger(join(root, 'ledger-group'), { groupCommit: true });
const concurrentModel = await tiers.openTierModel({
  tier: 'fast-general',
  config,
  profile,
  env: {},
  ledger: groupLedger,
});
const inFlight = 16;
async function timeConcurrent(model) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < calls) await model.doGenerate(params);
    }),
  );
  return ((performance.now() - started) * 1000) / calls;
}
const concurrentBaseline = await timeConcurrent(direct);
const concurrentLedger = await timeConcurrent(concurrentModel);

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
const instantRounds = 20_000;
const instantDirect = await time(instant, instantRounds);
const instantRouted = await time(instantTier, instantRounds);

const row = (label, micros, count = calls) =>
  console.log(
    `${label.padEnd(58)} ${micros.toFixed(0).padStart(7)} µs/call  (+${(micros - baseline).toFixed(0)} µs, ${count} calls)`,
  );
row('baseline: the provider model called directly', baseline);
row('tier model (routing only)', routed);
row('tier model + ledger middleware (durable append per call)', withLedger);
row('tier model + ledger + budget (reserve and commit, file treasury)', withBoth, budgetCalls);
console.log(
  `${`${inFlight} concurrent callers: direct`.padEnd(58)} ${concurrentBaseline.toFixed(0).padStart(7)} µs/call`,
);
console.log(
  `${`${inFlight} concurrent callers: tier + ledger (group commit)`.padEnd(58)} ${concurrentLedger.toFixed(0).padStart(7)} µs/call  (+${(concurrentLedger - concurrentBaseline).toFixed(0)} µs)`,
);
console.log(
  `${'in-process model: direct vs through the tier model'.padEnd(58)} ${instantDirect.toFixed(2)} vs ${instantRouted.toFixed(2)} µs/call (+${(instantRouted - instantDirect).toFixed(2)} µs, ${instantRounds} calls)`,
);
server.close();
await rm(root, { recursive: true, force: true });
