import { mkdir } from 'node:fs/promises';
import { type Clock, InvalidArgumentError, systemClock } from '@karnel/core';
import type { Connection, rerankers, Table } from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import { createEmbedder, type Embedder, searchCapabilities } from './embedder';
import { createEpisode, type Episode, type EpisodeInput } from './episode';
import { compileEpisodeQuery, orderAndLimit } from './episode-query';
import { type MemoryLayout, memoryLayout } from './memory-layout';
import { type MemoryStoreOptions, strategicWriterRoles } from './memory-options';
import type {
  AppendEpisodesOptions,
  EpisodeQuery,
  MemoryCapabilities,
  MemoryStore,
  SearchFilter,
  SearchHit,
  SearchOptions,
  SearchResult,
  StrategicUpdateOptions,
} from './memory-store';
import { resolveSearchMode, searchLimit } from './search-support';
import {
  createSemanticItem,
  type SemanticItem,
  type SemanticItemInput,
  searchableText,
} from './semantic-item';
import { textFingerprint } from './stored-records';
import type { StrategicMemory } from './strategic-memory';
import type { StrategicRevision } from './strategic-revision';
import { StrategicStore } from './strategic-store';
import type { StrategicUpdate } from './strategic-update';
import { queryWords } from './tokenize';

/** Options of {@link createLanceMemory}. */
export interface LanceMemoryOptions extends MemoryStoreOptions {
  /**
   * Compact the tables and fold new rows into their indexes after this many appended or
   * written rows. Default 20 000. Each write adds a small data file; compaction keeps reads fast.
   */
  optimizeEvery?: number;
}

const EPISODES = 'episodes';
const SEMANTIC = 'semantic_items';

type LanceModule = typeof import('@lancedb/lancedb');
type ArrowModule = typeof import('apache-arrow');

interface Libraries {
  readonly lancedb: LanceModule;
  readonly arrow: ArrowModule;
}

let libraries: Promise<Libraries> | undefined;

/**
 * LanceDB and Arrow are loaded on first use, so that importing this package (for the files or
 * SQLite backend) does not load LanceDB's native library.
 */
function loadLibraries(): Promise<Libraries> {
  // LanceDB logs deprecation notices about its own query planning to stderr at "warn", which
  // would land in every CLI user's terminal; keep errors only unless the user chose a level.
  process.env.LANCEDB_LOG ??= 'error';
  libraries ??= Promise.all([import('@lancedb/lancedb'), import('apache-arrow')]).then(
    ([lancedb, arrow]) => ({ lancedb, arrow }),
  );
  return libraries;
}

/** Semantic writes leave at most this many rows outside the full-text index (searched by a slow scan). */
const MAX_UNINDEXED_ITEMS = 64;

/**
 * Creates the LanceDB backend (`@lancedb/lancedb`), in `memory/lancedb/`: episodes and semantic
 * items are Lance tables with native full-text indexes; with an embedder, items also carry
 * vectors, and search runs as vector search or as LanceDB's hybrid search (full-text and vector
 * results fused by its reciprocal-rank-fusion reranker). For memories that outgrow the other
 * backends, and for the best hybrid retrieval.
 *
 * The embedding model is a property of the store, not of the data: open the same memory with
 * another model and the items are embedded again with it (vectors are derived, never exported).
 * Readers in other processes see each committed write (the connection checks for new versions
 * on every read); writes are meant to come from one process at a time.
 */
export function createLanceMemory(options: LanceMemoryOptions): MemoryStore {
  return new LanceMemoryStore(options);
}

interface Tables {
  readonly libraries: Libraries;
  readonly connection: Connection;
  readonly episodes: Table;
  /** Absent until the first item is written (its schema depends on the embedder). */
  semantic: Table | undefined;
  /** Vector length of this store's embedder. */
  readonly dimensions: number | undefined;
}

class LanceMemoryStore implements MemoryStore {
  readonly specificationVersion = 'v1' as const;
  readonly backend = 'lancedb';
  readonly dir: string;
  readonly capabilities: MemoryCapabilities;

  readonly #layout: MemoryLayout;
  readonly #clock: Clock;
  readonly #embedder: Embedder | undefined;
  readonly #strategic: StrategicStore;
  readonly #optimizeEvery: number;
  #tables: Promise<Tables> | undefined;
  #rowsSinceOptimize = 0;
  /** Whether this store has checked (or made) the semantic table's vector column. */
  #semanticChecked = false;
  /** The semantic table version whose vectors were last checked to be complete. */
  #checkedVersion: number | undefined;
  #reranker: Promise<rerankers.RRFReranker> | undefined;
  /** One write at a time from this store; LanceDB commits conflicting writers by retrying. */
  #writeQueue: Promise<unknown> = Promise.resolve();

  constructor(options: LanceMemoryOptions) {
    this.dir = options.dir;
    this.#layout = memoryLayout(options.dir);
    this.#clock = options.clock ?? systemClock;
    this.#embedder = options.embedder === undefined ? undefined : createEmbedder(options.embedder);
    this.#optimizeEvery = options.optimizeEvery ?? 20_000;
    this.capabilities = searchCapabilities(this.#embedder);
    this.#strategic = new StrategicStore({
      layout: this.#layout,
      clock: this.#clock,
      writer: options.writer,
      allowedRoles: strategicWriterRoles(options),
    });
  }

  async appendEpisode(input: EpisodeInput): Promise<Episode> {
    const [episode] = await this.appendEpisodes([input]);
    return episode!;
  }

  async appendEpisodes(
    inputs: readonly EpisodeInput[],
    { ifExists = 'error' }: AppendEpisodesOptions = {},
  ): Promise<Episode[]> {
    const episodes = inputs.map((input) => createEpisode(input, this.#clock));
    return this.#write(async () => {
      const { episodes: table } = await this.#open();
      const batch = new Set<string>();
      for (const episode of episodes) {
        if (batch.has(episode.id)) {
          throw new InvalidArgumentError({
            argument: 'inputs',
            value: episode.id,
            message: `episode id ${episode.id} appears twice in one append`,
          });
        }
        batch.add(episode.id);
      }
      let written = episodes;
      if (inputs.some((input) => input.id !== undefined)) {
        const existing = await existingIds(
          table,
          episodes.map((episode) => episode.id),
        );
        written = episodes.filter((episode) => {
          if (!existing.has(episode.id)) return true;
          if (ifExists === 'skip') return false;
          throw new InvalidArgumentError({
            argument: 'inputs',
            value: episode.id,
            message: `episode ${episode.id} is already in ${this.#layout.lancedb}`,
          });
        });
      }
      if (written.length === 0) return [];
      const base = await table.countRows();
      await table.add(
        written.map((episode, index) => ({
          id: episode.id,
          seq: base + index,
          at: episode.at,
          at_ms: Date.parse(episode.at),
          kind: episode.kind,
          text: episode.text,
          record: JSON.stringify(episode),
        })),
      );
      await this.#maybeOptimize(written.length);
      return written;
    });
  }

  async readEpisodes(query?: EpisodeQuery): Promise<Episode[]> {
    const compiled = compileEpisodeQuery(query);
    if (compiled.limit === 0) return [];
    const { episodes: table, libraries } = await this.#open();
    const { MatchQuery, Operator } = libraries.lancedb;
    const conditions: string[] = [];
    if (compiled.fromMs !== undefined) conditions.push(`at_ms >= ${compiled.fromMs}`);
    if (compiled.toMs !== undefined) conditions.push(`at_ms < ${compiled.toMs}`);
    if (compiled.kinds !== undefined) {
      if (compiled.kinds.size === 0) return [];
      conditions.push(`kind IN (${[...compiled.kinds].map(sqlString).join(', ')})`);
    }
    const where = conditions.join(' AND ');
    let rows: { record: string; at_ms: number; seq: number }[];
    if (compiled.text !== undefined) {
      const words = queryWords(compiled.text);
      if (words.length === 0) return [];
      const total = await table.countRows();
      if (total === 0) return [];
      let search = table
        .query()
        .fullTextSearch(new MatchQuery(words.join(' '), 'text', { operator: Operator.And }))
        .select(['record', 'at_ms', 'seq', '_score'])
        .limit(total);
      if (where) search = search.where(where);
      rows = await search.toArray();
    } else {
      let scan = table.query().select(['record', 'at_ms', 'seq']);
      if (where) scan = scan.where(where);
      if (compiled.limit !== undefined) {
        const ascending = !compiled.descending;
        scan = scan
          .orderBy([
            { columnName: 'at_ms', ascending },
            { columnName: 'seq', ascending },
          ])
          .limit(compiled.limit);
      }
      rows = await scan.toArray();
    }
    return orderAndLimit(
      rows.map((row) => ({
        record: JSON.parse(row.record) as Episode,
        time: Number(row.at_ms),
        sequence: Number(row.seq),
      })),
      compiled,
    );
  }

  async upsertSemantic(inputs: readonly SemanticItemInput[]): Promise<SemanticItem[]> {
    const items = inputs.map((input) => createSemanticItem(input, this.#clock));
    return this.#write(async () => {
      if (items.length === 0) return [];
      const tables = await this.#open();
      const vectors = this.#embedder
        ? await this.#embedder.embedDocuments(items.map(searchableText))
        : undefined;
      const table = await this.#semanticTable(tables);
      const withVectors = tables.semantic !== undefined && (await hasVectorColumn(table));
      const rows = items.map((item, index) =>
        semanticRow(item, withVectors ? (vectors?.[index] ?? null) : undefined, this.#embedder?.id),
      );
      await table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows);
      await this.#maybeOptimize(items.length);
      // Rows outside the full-text index are searched by scanning them; fold them in early.
      const stats = await table.indexStats('content_idx');
      if (stats && stats.numUnindexedRows > MAX_UNINDEXED_ITEMS) await table.optimize();
      return items;
    });
  }

  async listSemantic(): Promise<SemanticItem[]> {
    const tables = await this.#open();
    const table = await this.#existingSemanticTable(tables);
    if (!table) return [];
    const rows = (await table.query().select(['record']).toArray()) as { record: string }[];
    return rows
      .map((row) => JSON.parse(row.record) as SemanticItem)
      .sort(
        (a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const k = searchLimit(options);
    const { mode, notices } = resolveSearchMode(
      options.mode,
      this.#embedder !== undefined,
      this.backend,
    );
    const tables = await this.#open();
    const table = await this.#existingSemanticTable(tables);
    if (!table) return { mode, hits: [], notices };
    const { MatchQuery } = tables.libraries.lancedb;
    const where = filterPredicate(options.filter);
    const words = queryWords(query);
    if (mode !== 'full-text') await this.#write(() => this.#backfillVectors(table));
    let rows: Record<string, unknown>[];
    if (mode === 'full-text') {
      if (words.length === 0) return { mode, hits: [], notices };
      let search = table
        .query()
        .fullTextSearch(new MatchQuery(words.join(' '), 'content'))
        .select(['record', '_score'])
        .limit(k);
      if (where) search = search.where(where);
      rows = await search.toArray();
    } else {
      const vector = Array.from(await this.#embedder!.embedQuery(query));
      if (mode === 'vector' || words.length === 0) {
        let search = table
          .query()
          .nearestTo(vector)
          .distanceType('cosine')
          .select(['record', '_distance'])
          .limit(k);
        if (where) search = search.where(where);
        rows = await search.toArray();
        if (mode === 'hybrid')
          notices.push(
            'the query has no searchable words, so this hybrid search ranked by vector similarity alone',
          );
      } else {
        let search = table
          .query()
          .fullTextSearch(new MatchQuery(words.join(' '), 'content'))
          .nearestTo(vector)
          .distanceType('cosine')
          .select(['record'])
          .rerank(await this.#rrf(tables.libraries))
          .limit(k);
        if (where) search = search.where(where);
        rows = await search.toArray();
      }
    }
    const vectorOnly = mode === 'vector' || (mode === 'hybrid' && words.length === 0);
    const hits: SearchHit[] = rows.map((row) => {
      const item = JSON.parse(row.record as string) as SemanticItem;
      if (mode === 'full-text')
        return { item, score: Number(row._score), matchedBy: ['full-text'] };
      if (vectorOnly) return { item, score: 1 - Number(row._distance), matchedBy: ['vector'] };
      return { item, score: Number(row._relevance_score) };
    });
    return { mode, hits, notices };
  }

  readStrategic(): Promise<StrategicMemory> {
    return this.#strategic.read();
  }

  updateStrategic(
    updates: readonly StrategicUpdate[],
    options?: StrategicUpdateOptions,
  ): Promise<StrategicRevision> {
    return this.#strategic.update(updates, options);
  }

  strategicHistory(): Promise<StrategicRevision[]> {
    return this.#strategic.history();
  }

  importStrategicHistory(revisions: readonly StrategicRevision[]): Promise<number> {
    return this.#strategic.importHistory(revisions);
  }

  async close(): Promise<void> {
    const opening = this.#tables;
    this.#tables = undefined;
    if (!opening) return;
    await this.#writeQueue.catch(() => undefined);
    const tables = await opening.catch(() => undefined);
    if (!tables) return;
    tables.episodes.close();
    tables.semantic?.close();
    tables.connection.close();
  }

  #write<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#writeQueue.then(task);
    this.#writeQueue = next.catch(() => undefined);
    return next;
  }

  #open(): Promise<Tables> {
    if (!this.#tables) {
      const opening = this.#connect();
      this.#tables = opening;
      opening.catch(() => {
        if (this.#tables === opening) this.#tables = undefined;
      });
    }
    return this.#tables;
  }

  async #connect(): Promise<Tables> {
    const libraries = await loadLibraries();
    await mkdir(this.#layout.lancedb, { recursive: true });
    // readConsistencyInterval 0: every read checks for versions committed by other processes.
    const connection = await libraries.lancedb.connect(this.#layout.lancedb, {
      readConsistencyInterval: 0,
    });
    // Several processes may open a fresh memory at once (a writer and its readers): creating
    // the table and its index can then lose a commit race, which LanceDB reports as a
    // conflict. The loser retries and finds the winner's table and index.
    const episodes = await retryOnCommitConflict(async () => {
      const table = await connection.createEmptyTable(EPISODES, episodeSchema(libraries.arrow), {
        mode: 'create',
        existOk: true,
      });
      await ensureFullTextIndex(libraries, table, 'text');
      return table;
    });
    const names = await connection.tableNames();
    const semantic = names.includes(SEMANTIC) ? await connection.openTable(SEMANTIC) : undefined;
    const dimensions = this.#embedder
      ? (await this.#embedder.embedQuery('dimensions')).length
      : undefined;
    return { libraries, connection, episodes, semantic, dimensions };
  }

  /** The semantic table, created or rebuilt so its vector column fits this store's embedder. */
  async #semanticTable(tables: Tables): Promise<Table> {
    const { connection, dimensions, libraries } = tables;
    if (tables.semantic === undefined) {
      tables.semantic = await connection.createEmptyTable(
        SEMANTIC,
        semanticSchema(libraries.arrow, dimensions),
        { mode: 'create', existOk: true },
      );
      await ensureFullTextIndex(libraries, tables.semantic, 'content');
    }
    const table = tables.semantic;
    if (dimensions === undefined || this.#semanticChecked) return table;
    if ((await vectorDimensions(table)) === dimensions) {
      this.#semanticChecked = true;
      return table;
    }
    // The table was made without vectors, or for a model of another size: rebuild it with this
    // model's vectors. The items themselves (the `record` column) are kept as they are.
    const rows = (await table.query().select(['record']).toArray()) as { record: string }[];
    const items = rows.map((row) => JSON.parse(row.record) as SemanticItem);
    const vectors = await this.#embedder!.embedDocuments(items.map(searchableText));
    table.close();
    const rebuilt = await connection.createEmptyTable(
      SEMANTIC,
      semanticSchema(libraries.arrow, dimensions),
      { mode: 'overwrite' },
    );
    if (items.length > 0)
      await rebuilt.add(
        items.map((item, index) => semanticRow(item, vectors[index]!, this.#embedder!.id)),
      );
    await ensureFullTextIndex(libraries, rebuilt, 'content');
    tables.semantic = rebuilt;
    this.#semanticChecked = true;
    return rebuilt;
  }

  async #existingSemanticTable(tables: Tables): Promise<Table | undefined> {
    if (tables.semantic === undefined) {
      const names = await tables.connection.tableNames();
      if (!names.includes(SEMANTIC)) return undefined;
      tables.semantic = await tables.connection.openTable(SEMANTIC);
    }
    if (this.#embedder && !this.#semanticChecked)
      return this.#write(() => this.#semanticTable(tables));
    return tables.semantic;
  }

  /** Embeds items written without this embedder (by another store) or whose text changed since. */
  async #backfillVectors(table: Table): Promise<void> {
    const embedder = this.#embedder!;
    const stale = (await table
      .query()
      .where(
        `vector IS NULL OR vector_embedder IS NULL OR vector_embedder != ${sqlString(embedder.id)} OR vector_fingerprint != fingerprint`,
      )
      .select(['record'])
      .toArray()) as { record: string }[];
    if (stale.length === 0) return;
    const items = stale.map((row) => JSON.parse(row.record) as SemanticItem);
    const vectors = await embedder.embedDocuments(items.map(searchableText));
    await table
      .mergeInsert('id')
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute(items.map((item, index) => semanticRow(item, vectors[index]!, embedder.id)));
    this.#checkedVersion = await table.version();
  }

  #rrf(libraries: Libraries): Promise<rerankers.RRFReranker> {
    this.#reranker ??= libraries.lancedb.rerankers.RRFReranker.create(60);
    return this.#reranker;
  }

  async #maybeOptimize(rows: number): Promise<void> {
    this.#rowsSinceOptimize += rows;
    if (this.#rowsSinceOptimize < this.#optimizeEvery) return;
    this.#rowsSinceOptimize = 0;
    const tables = await this.#open();
    await tables.episodes.optimize();
    await tables.semantic?.optimize();
  }
}

function episodeSchema({ Field, Float64, Schema, Utf8 }: ArrowModule): Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('seq', new Float64(), false),
    new Field('at', new Utf8(), false),
    new Field('at_ms', new Float64(), false),
    new Field('kind', new Utf8(), false),
    new Field('text', new Utf8(), false),
    new Field('record', new Utf8(), false),
  ]);
}

function semanticSchema(
  { Field, FixedSizeList, Float32, Float64, List, Schema, Utf8 }: ArrowModule,
  dimensions: number | undefined,
): Schema {
  const fields: InstanceType<ArrowModule['Field']>[] = [
    new Field('id', new Utf8(), false),
    new Field('at_ms', new Float64(), false),
    new Field('kind', new Utf8(), true),
    new Field('content', new Utf8(), false),
    new Field('tags', new List(new Field('item', new Utf8(), true)), true),
    new Field('sources_text', new Utf8(), false),
    new Field('fingerprint', new Utf8(), false),
    new Field('record', new Utf8(), false),
  ];
  if (dimensions !== undefined) {
    fields.push(
      new Field(
        'vector',
        new FixedSizeList(dimensions, new Field('item', new Float32(), true)),
        true,
      ),
      new Field('vector_embedder', new Utf8(), true),
      new Field('vector_fingerprint', new Utf8(), true),
    );
  }
  return new Schema(fields);
}

/**
 * One row of the semantic table. `vector` is `undefined` for a table without vector columns,
 * `null` for a vector column this store cannot fill (no embedder: another store will).
 */
function semanticRow(
  item: SemanticItem,
  vector: Float32Array | null | undefined,
  embedder: string | undefined,
): Record<string, unknown> {
  const fingerprint = textFingerprint(searchableText(item));
  const row: Record<string, unknown> = {
    id: item.id,
    at_ms: Date.parse(item.at),
    kind: item.kind ?? null,
    content: searchableText(item),
    tags: item.tags ?? [],
    // Each source after a newline, so a prefix test is a search for "\n" + prefix.
    sources_text: item.sources.map((source) => `\n${source}`).join(''),
    fingerprint,
    record: JSON.stringify(item),
  };
  if (vector !== undefined) {
    row.vector = vector === null ? null : Array.from(vector);
    row.vector_embedder = vector === null ? null : (embedder ?? null);
    row.vector_fingerprint = vector === null ? null : fingerprint;
  }
  return row;
}

/**
 * Runs `task` again (up to five times, with a short growing pause) when LanceDB reports that a
 * commit lost a race with another process; any other error is rethrown at once.
 */
async function retryOnCommitConflict<T>(task: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= 5 || !/conflict|incompatible transaction|commit/i.test(message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

async function ensureFullTextIndex(
  { lancedb }: Libraries,
  table: Table,
  column: string,
): Promise<void> {
  const indices = await table.listIndices();
  if (indices.some((index) => index.columns.includes(column) && index.indexType === 'FTS')) return;
  try {
    await table.createIndex(column, { config: lancedb.Index.fts() });
  } catch (error) {
    // Another process may have created it between the check and here.
    const again = await table.listIndices();
    if (!again.some((index) => index.columns.includes(column) && index.indexType === 'FTS'))
      throw error;
  }
}

async function vectorDimensions(table: Table): Promise<number | undefined> {
  const field = (await table.schema()).fields.find((candidate) => candidate.name === 'vector');
  const listSize = (field?.type as { listSize?: unknown } | undefined)?.listSize;
  return typeof listSize === 'number' ? listSize : undefined;
}

async function hasVectorColumn(table: Table): Promise<boolean> {
  return (await table.schema()).fields.some((field) => field.name === 'vector');
}

async function existingIds(table: Table, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    const rows = (await table
      .query()
      .where(`id IN (${chunk.map(sqlString).join(', ')})`)
      .select(['id'])
      .toArray()) as { id: string }[];
    for (const row of rows) found.add(row.id);
  }
  return found;
}

/** A SQL string literal (LanceDB filters are DataFusion SQL). */
function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function filterPredicate(filter: SearchFilter | undefined): string {
  if (!filter) return '';
  const conditions: string[] = [];
  if (filter.kinds && filter.kinds.length > 0)
    conditions.push(`kind IN (${filter.kinds.map(sqlString).join(', ')})`);
  if (filter.tags && filter.tags.length > 0)
    conditions.push(`array_has_all(tags, [${filter.tags.map(sqlString).join(', ')}])`);
  if (filter.sourcePrefix !== undefined)
    conditions.push(`strpos(sources_text, concat(chr(10), ${sqlString(filter.sourcePrefix)})) > 0`);
  return conditions.join(' AND ');
}
