// Memory backends on a corpus nobody here wrote: the README of every package installed in
// node_modules, each to be found by its own package.json description. For each backend:
// ingest rate of 100,000 episodic entries (batches of 1,000, each batch durable), semantic
// ingest of the READMEs, search latency p50/p95, recall@10 on the labelled queries, and memory
// used — next to raw node:sqlite FTS5 on the same data, measured in the same run.
// Each row runs in its own process, so its memory figures are its own.
// Run: node --expose-gc bench/memory-search.bench.mjs (after pnpm --filter @karnel/memory build)
// MEMORY_BENCH_EPISODES sets the episodic count (default 100000).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const episodeCount = Number(process.env.MEMORY_BENCH_EPISODES ?? 100_000);
const batchSize = 1000;
const k = 10;

if (process.argv[2] === '--row') {
  const [, , , row, corpusPath, dir] = process.argv;
  const result = await runRow(row, JSON.parse(await readFile(corpusPath, 'utf8')), dir);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The parent: build the corpus, run each row in a child, print the table.

const corpus = buildCorpus(join(here, '..', 'node_modules', '.pnpm'));
const root = await mkdtemp(join(tmpdir(), 'karnel-bench-'));
const rows = [
  ['raw node:sqlite FTS5', 'raw-sqlite'],
  ['files (BM25 in memory)', 'files'],
  ['sqlite (FTS5, WAL)', 'sqlite'],
  ['lancedb (full-text)', 'lancedb'],
  ['lancedb + hashing embedder (hybrid, RRF)', 'lancedb-hybrid'],
];
try {
  const corpusPath = join(root, 'corpus.json');
  await writeFile(corpusPath, JSON.stringify(corpus));
  console.log(
    `corpus: ${corpus.documents.length} package READMEs from node_modules, each queried by its package.json description (cut out of the README where it appears verbatim); ${corpus.sentences.length} README sentences cycled into ${episodeCount.toLocaleString('en-US')} episodes`,
  );
  const results = [];
  for (const [label, row] of rows) {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--row', row, corpusPath, join(root, row)],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, MEMORY_BENCH_EPISODES: String(episodeCount) },
      },
    );
    if (child.status !== 0) {
      console.error(`${label}: failed\n${child.stderr}`);
      process.exitCode = 1;
      continue;
    }
    results.push({ label, ...JSON.parse(child.stdout.trim().split('\n').at(-1)) });
  }
  const header = [
    'backend',
    'episodes/s',
    'docs/s',
    'search p50',
    'search p95',
    '+episodes p50',
    'recall@10',
    'RSS',
    'max RSS',
    'JS heap',
  ];
  const table = results.map((result) => [
    result.label,
    result.episodeRate === undefined ? '—' : Math.round(result.episodeRate).toLocaleString('en-US'),
    Math.round(result.documentRate).toLocaleString('en-US'),
    `${result.p50.toFixed(2)} ms`,
    `${result.p95.toFixed(2)} ms`,
    result.bothP50 === undefined ? '—' : `${result.bothP50.toFixed(2)} ms`,
    `${(result.recall * 100).toFixed(1)}%`,
    megabytes(result.rss),
    megabytes(result.maxRss),
    megabytes(result.heapUsed),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((line) => line[column].length)),
  );
  const format = (line) =>
    line
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join('  ');
  console.log(format(header));
  for (const line of table) console.log(format(line));
  console.log(
    `episodes/s: ${episodeCount.toLocaleString('en-US')} episodic entries appended in batches of ${batchSize}, each batch durable before the next; docs/s: the READMEs written to the semantic tier; search: k = ${k}, one query per package, semantic tier only; +episodes: the default search, which also ranks the episodes (the hybrid row stores none); RSS after the run, max RSS over it, JS heap after a GC.`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}

function megabytes(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** Every installed package with a README and a description; duplicate names and descriptions dropped. */
function buildCorpus(store) {
  const documents = [];
  const names = new Set();
  const descriptions = new Set();
  const packageDirs = [];
  for (const entry of readdirSync(store)) {
    const modules = join(store, entry, 'node_modules');
    if (!existsSync(modules)) continue;
    for (const name of readdirSync(modules)) {
      if (name.startsWith('.')) continue;
      if (name.startsWith('@')) {
        for (const scoped of readdirSync(join(modules, name)))
          packageDirs.push(join(modules, name, scoped));
      } else packageDirs.push(join(modules, name));
    }
  }
  for (const dir of packageDirs.sort()) {
    let manifest;
    try {
      if (!statSync(dir).isDirectory()) continue;
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const description = typeof manifest.description === 'string' ? manifest.description.trim() : '';
    if (
      !manifest.name ||
      names.has(manifest.name) ||
      description.length < 15 ||
      descriptions.has(description.toLowerCase())
    )
      continue;
    const readmeName = readdirSync(dir).find((file) =>
      /^readme(\.(md|markdown|txt))?$/i.test(file),
    );
    if (!readmeName) continue;
    // The description is cut out of the README wherever it appears verbatim, so that a query has
    // to match the rest of the text rather than find itself.
    const readme = readFileSync(join(dir, readmeName), 'utf8')
      .slice(0, 20_000)
      .split(description)
      .join(' ');
    if (readme.trim().length < 200) continue;
    names.add(manifest.name);
    descriptions.add(description.toLowerCase());
    documents.push({ name: manifest.name, description, readme });
  }
  const sentences = documents
    .flatMap((document) =>
      document.readme.replace(/```[\s\S]*?```/g, ' ').split(/(?<=[.!?])\s+|\n{2,}/),
    )
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    .filter((sentence) => sentence.length >= 30 && sentence.length <= 300);
  return { documents, sentences };
}

// ---------------------------------------------------------------------------------------------
// One row, in its own process.

async function runRow(row, { documents, sentences }, dir) {
  const kinds = ['note', 'run.completed', 'publication', 'review'];
  const episodeAt = (index) => new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString();
  const episodeText = (index) => sentences[index % sentences.length];
  const latencies = [];
  const bothTiers = [];
  let found = 0;
  let episodeRate;
  let documentRate;

  if (row === 'raw-sqlite') {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const database = new DatabaseSync(join(dir, 'raw.sqlite'));
    database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
    database.exec(`
      CREATE TABLE episodes (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, at TEXT, kind TEXT, text TEXT);
      CREATE VIRTUAL TABLE episodes_fts USING fts5(text, content='episodes', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2');
      CREATE TRIGGER episodes_ai AFTER INSERT ON episodes BEGIN INSERT INTO episodes_fts(rowid, text) VALUES (new.seq, new.text); END;
      CREATE TABLE docs (rowid INTEGER PRIMARY KEY, name TEXT, text TEXT);
      CREATE VIRTUAL TABLE docs_fts USING fts5(name, text, content='docs', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2');
      CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN INSERT INTO docs_fts(rowid, name, text) VALUES (new.rowid, new.name, new.text); END;`);
    const insertEpisode = database.prepare(
      'INSERT INTO episodes (id, at, kind, text) VALUES (?, ?, ?, ?)',
    );
    let started = performance.now();
    for (let start = 0; start < episodeCount; start += batchSize) {
      database.exec('BEGIN IMMEDIATE');
      for (let index = start; index < Math.min(start + batchSize, episodeCount); index++) {
        insertEpisode.run(
          `epi_${index}`,
          episodeAt(index),
          kinds[index % kinds.length],
          episodeText(index),
        );
      }
      database.exec('COMMIT');
    }
    episodeRate = (episodeCount / (performance.now() - started)) * 1000;
    const insertDoc = database.prepare('INSERT INTO docs (name, text) VALUES (?, ?)');
    started = performance.now();
    database.exec('BEGIN IMMEDIATE');
    for (const document of documents) insertDoc.run(document.name, document.readme);
    database.exec('COMMIT');
    documentRate = (documents.length / (performance.now() - started)) * 1000;
    const search = database.prepare(
      `SELECT d.name AS name FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE docs_fts MATCH ? ORDER BY bm25(docs_fts, 2.0, 1.0) LIMIT ${k}`,
    );
    for (const document of documents) {
      const words = [...new Set(document.description.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
      const begun = performance.now();
      const names =
        words.length === 0
          ? []
          : search.all(words.map((word) => `"${word}"`).join(' OR ')).map((hit) => hit.name);
      latencies.push(performance.now() - begun);
      if (names.includes(document.name)) found++;
    }
    database.close();
  } else {
    const memory = await import('@karnel/memory');
    const backend = row === 'lancedb-hybrid' ? 'lancedb' : row;
    const embedder =
      row === 'lancedb-hybrid'
        ? memory.createHashingEmbeddingModel({ dimensions: 384 })
        : undefined;
    const store = memory.createMemory({ backend, dir, ...(embedder ? { embedder } : {}) });
    if (row !== 'lancedb-hybrid') {
      const started = performance.now();
      for (let start = 0; start < episodeCount; start += batchSize) {
        const batch = [];
        for (let index = start; index < Math.min(start + batchSize, episodeCount); index++) {
          batch.push({
            at: episodeAt(index),
            kind: kinds[index % kinds.length],
            text: episodeText(index),
          });
        }
        await store.appendEpisodes(batch);
      }
      episodeRate = (episodeCount / (performance.now() - started)) * 1000;
    }
    const started = performance.now();
    const items = await store.upsertSemantic(
      documents.map((document) => ({
        title: document.name,
        text: document.readme,
        kind: 'document',
        sources: [`npm:${document.name}`],
      })),
    );
    documentRate = (documents.length / (performance.now() - started)) * 1000;
    const byId = new Map(items.map((item, index) => [item.id, documents[index].name]));
    // builds in-memory indexes and opens tables outside the timing
    await store.search('warm up', { k });
    for (const document of documents) {
      const begun = performance.now();
      // The semantic tier alone, as the raw FTS5 row searches one table.
      const result = await store.search(document.description, { k, tiers: ['semantic'] });
      latencies.push(performance.now() - begun);
      if (result.hits.some((hit) => byId.get(hit.item.id) === document.name)) found++;
    }
    // The default search also ranks the episodes (the 100,000 above): its cost, on the same queries.
    for (const document of documents) {
      const begun = performance.now();
      await store.search(document.description, { k });
      bothTiers.push(performance.now() - begun);
    }
    await store.close();
  }
  globalThis.gc?.();
  const usage = process.memoryUsage();
  latencies.sort((a, b) => a - b);
  bothTiers.sort((a, b) => a - b);
  const percentile = (p, list = latencies) =>
    list[Math.min(list.length - 1, Math.floor((p / 100) * list.length))];
  return {
    episodeRate,
    documentRate,
    p50: percentile(50),
    p95: percentile(95),
    bothP50: bothTiers.length > 0 ? percentile(50, bothTiers) : undefined,
    recall: found / documents.length,
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}
