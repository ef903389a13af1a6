// The files memory's cost per run as its history grows: what a run asks of it (context assembly
// — strategic memory, a semantic search and the recent episodes — and one search of both tiers)
// on memories of 1k, 10k and 50k episodes, with one episode appended by another store instance
// (another process, as far as the files are concerned) before every call, as runs do. Next to
// the obvious alternative on the same files in the same run: a plain readFile + JSON.parse of
// episodic.jsonl per call. Goal: no call re-reads the history, so context assembly stays flat as
// it grows; a search still scores every episode matching a query word (here, in the worst case,
// all of them), keeping only the best k.
// Run: node --expose-gc bench/memory-per-run.bench.mjs (after pnpm --filter @karnel/memory build)
// MEMORY_PER_RUN_SIZES sets the sizes (default 1000,10000,50000); CALLS the calls per figure.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleContext, createFileMemory } from '@karnel/memory';

const sizes = (process.env.MEMORY_PER_RUN_SIZES ?? '1000,10000,50000').split(',').map(Number);
const calls = Number(process.env.CALLS ?? 200);
const words = [
  'newsletter',
  'draft',
  'critic',
  'source',
  'reader',
  'growth',
  'pricing',
  'research',
  'publish',
  'review',
  'budget',
  'topic',
  'headline',
  'subscriber',
  'archive',
  'feedback',
];
const sentence = (seed) =>
  Array.from({ length: 12 }, (_, index) => words[(seed * 7 + index * 13) % words.length]).join(' ');

const root = await mkdtemp(join(tmpdir(), 'karnel-bench-memory-run-'));
const rows = [];
try {
  for (const size of sizes) rows.push(await measure(size));
} finally {
  await rm(root, { recursive: true, force: true });
}
const [one, five, fifteen] = loadavg();
console.log(
  `files memory per call, warm store, one episode appended by another store before each call (${calls} calls; load ${one.toFixed(2)} ${five.toFixed(2)} ${fifteen.toFixed(2)})`,
);
console.table(rows);

async function measure(size) {
  const dir = join(root, `m${size}`);
  await mkdir(join(dir, 'semantic'), { recursive: true });
  const start = Date.parse('2026-01-01T00:00:00Z');
  const lines = [];
  for (let index = 0; index < size; index++) {
    lines.push(
      JSON.stringify({
        id: `epi_${String(index).padStart(26, '0').replace(/^0/, '1')}`,
        at: new Date(start + index * 60_000).toISOString(),
        kind: 'run.completed',
        text: `run ${index}: ${sentence(index)}`,
        actor: 'researcher',
      }),
    );
  }
  await writeFile(join(dir, 'episodic.jsonl'), `${lines.join('\n')}\n`);
  const items = [];
  for (let index = 0; index < 200; index++) {
    items.push(
      JSON.stringify({
        id: `sem_${String(index).padStart(26, '0').replace(/^0/, '1')}`,
        at: new Date(start + index * 60_000).toISOString(),
        text: `fact ${index}: ${sentence(index + 3)}`,
        sources: [],
      }),
    );
  }
  await writeFile(join(dir, 'semantic', 'items.jsonl'), `${items.join('\n')}\n`);
  await writeFile(
    join(dir, 'strategic.yaml'),
    'priors:\n  - readers prefer short issues\nhypotheses:\n  - id: hyp_weekly\n    statement: a weekly issue grows the list fastest\n    confidence: 0.6\n    status: active\n',
  );

  const store = createFileMemory({ dir });
  const writer = createFileMemory({ dir });
  const task = 'research the newsletter topic and draft a headline for subscribers';
  // Warm: the first read parses the whole history once.
  await assembleContext({ store, task, budgetTokens: 2000 });
  await store.search(task, { k: 5 });

  let appended = 0;
  const appendOne = () =>
    writer.appendEpisode({
      kind: 'run.completed',
      text: `run extra ${appended++}: ${sentence(appended)}`,
      actor: 'researcher',
    });
  const time = async (call) => {
    const samples = [];
    for (let index = 0; index < calls; index++) {
      await appendOne();
      const started = performance.now();
      await call();
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    return {
      p50: samples[Math.floor(samples.length / 2)],
      mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    };
  };
  globalThis.gc?.();
  const assemble = await time(() => assembleContext({ store, task, budgetTokens: 2000 }));
  const search = await time(() => store.search(task, { k: 5 }));
  const baseline = await time(async () => {
    const text = await readFile(join(dir, 'episodic.jsonl'), 'utf8');
    const parsed = [];
    for (const line of text.split('\n')) if (line) parsed.push(JSON.parse(line));
    return parsed.length;
  });
  await store.close();
  await writer.close();
  const ms = (value) => `${value.toFixed(3)} ms`;
  return {
    episodes: size,
    'assembleContext p50': ms(assemble.p50),
    'assembleContext mean': ms(assemble.mean),
    'search p50': ms(search.p50),
    'search mean': ms(search.mean),
    'readFile+JSON.parse p50': ms(baseline.p50),
    'readFile+JSON.parse mean': ms(baseline.mean),
  };
}
