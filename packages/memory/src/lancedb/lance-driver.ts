import { mkdir } from 'node:fs/promises';
import type { Connection, rerankers, Table } from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import type { Embedder } from '../embedder';
import type { Episode } from '../episode';
import { type CompiledEpisodeQuery, orderAndLimit } from '../episode-query';
import { MissingPeerDependencyError } from '../errors';
import type {
  EpisodeAppendOptions,
  MemoryDriver,
  RankedEpisode,
  RankedItem,
  RankedSearchOptions,
  VectorSearchRequest,
} from '../memory-driver';
import { type MemoryLayout, memoryLayout } from '../memory-layout';
import type { SearchFilter } from '../memory-store';
import { episodeMatchesFilter } from '../search-support';
import { type SemanticItem, searchableText } from '../semantic-item';
import { textFingerprint } from '../stored-records';
import { queryWords } from '../tokenize';

/** Options of {@link createLanceDriver}. */
export interface LanceDriverOptions {
  /** The memory directory; the database is the `lancedb/` folder in it. */
  dir: string;
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
    (error: unknown) => {
      libraries = undefined;
      if (isModuleNotFound(error))
        throw new MissingPeerDependencyError({
          packages: ['@lancedb/lancedb', 'apache-arrow'],
          feature: 'the LanceDB backend',
          cause: error,
        });
      throw error;
    },
  );
  return libraries;
}

/** Whether `error` says a package could not be found (not that it failed while loading). */
export function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Semantic writes leave at most this many rows outside the full-text index (searched by a slow scan). */
const MAX_UNINDEXED_ITEMS = 64;

/**
 * The LanceDB driver (`@lancedb/lancedb`, an optional peer dependency, loaded on first use), in
 * `memory/lancedb/`: episodes and semantic items are Lance tables with native full-text indexes;
 * with an embedder, items also carry vectors, and hybrid search is LanceDB's own (full-text and
 * vector results fused by its reciprocal-rank-fusion reranker).
 *
 * The embedding model is a property of the store, not of the data: open the same memory with
 * another model and the items are embedded again with it (vectors are derived, never exported).
 * Readers in other processes see each committed write (the connection checks for new versions
 * on every read); writes are meant to come from one process at a time.
 */
export function createLanceDriver(options: LanceDriverOptions): MemoryDriver {
  const state = new LanceState(options);
  return {
    specificationVersion: 'v1',
    name: 'lancedb',
    dir: options.dir,
    flags: { filesLayout: false },
    episodic: {
      append: (episodes, appendOptions) => state.appendEpisodes(episodes, appendOptions),
      read: (query) => state.readEpisodes(query),
      search: (query, searchOptions) => state.searchEpisodes(query, searchOptions),
    },
    semantic: {
      upsert: (items, vectors) => state.upsertItems(items, vectors),
      list: () => state.listItems(),
      searchText: (query, searchOptions) => state.searchText(query, searchOptions),
      searchVector: (request) => state.searchVector(request),
      searchHybrid: (request) => state.searchHybrid(request),
    },
    close: () => state.close(),
  };
}

interface Tables {
  readonly libraries: Libraries;
  readonly connection: Connection;
  readonly episodes: Table;
  /** Absent until the first item is written (its schema depends on the embedder). */
  semantic: Table | undefined;
}

class LanceState {
  readonly #layout: MemoryLayout;
  readonly #optimizeEvery: number;
  #tables: Promise<Tables> | undefined;
  #rowsSinceOptimize = 0;
  /** The embedder whose vector length the semantic table has been checked (or rebuilt) for. */
  #checkedFor: string | undefined;
  #reranker: Promise<rerankers.RRFReranker> | undefined;
  /** One write at a time from this driver; LanceDB commits conflicting writers by retrying. */
  #writeQueue: Promise<unknown> = Promise.resolve();

  constructor(options: LanceDriverOptions) {
    this.#layout = memoryLayout(options.dir);
    this.#optimizeEvery = options.optimizeEvery ?? 20_000;
  }

  appendEpisodes(
    episodes: readonly Episode[],
    { select }: EpisodeAppendOptions = {},
  ): Promise<readonly Episode[]> {
    return this.#write(async () => {
      const { episodes: table } = await this.#open();
      let written = episodes;
      if (select) {
        written = select(
          await existingIds(
            table,
            episodes.map((episode) => episode.id),
          ),
        );
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

  async readEpisodes(query: CompiledEpisodeQuery): Promise<Episode[]> {
    if (query.limit === 0) return [];
    const { episodes: table, libraries } = await this.#open();
    const { MatchQuery, Operator } = libraries.lancedb;
    const conditions: string[] = [];
    if (query.fromMs !== undefined) conditions.push(`at_ms >= ${query.fromMs}`);
    if (query.toMs !== undefined) conditions.push(`at_ms < ${query.toMs}`);
    if (query.kinds !== undefined) {
      if (query.kinds.size === 0) return [];
      conditions.push(`kind IN (${[...query.kinds].map(sqlString).join(', ')})`);
    }
    const where = conditions.join(' AND ');
    let rows: { record: string; at_ms: number; seq: number }[];
    if (query.text !== undefined) {
      const words = queryWords(query.text);
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
      if (query.limit !== undefined) {
        const ascending = !query.descending;
        scan = scan
          .orderBy([
            { columnName: 'at_ms', ascending },
            { columnName: 'seq', ascending },
          ])
          .limit(query.limit);
      }
      rows = await scan.toArray();
    }
    return orderAndLimit(
      rows.map((row) => ({
        record: JSON.parse(row.record) as Episode,
        time: Number(row.at_ms),
        sequence: Number(row.seq),
      })),
      query,
    );
  }

  async searchEpisodes(
    query: string,
    { limit, filter }: RankedSearchOptions,
  ): Promise<RankedEpisode[]> {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const { episodes: table, libraries } = await this.#open();
    const total = await table.countRows();
    if (total === 0) return [];
    // Tags and sources are inside the record: with such a filter, rank every match and filter here.
    const narrowsRecord =
      filter !== undefined && ((filter.tags?.length ?? 0) > 0 || filter.sourcePrefix !== undefined);
    let search = table
      .query()
      .fullTextSearch(new libraries.lancedb.MatchQuery(words.join(' '), 'text'))
      .select(['record', '_score'])
      .limit(narrowsRecord ? total : limit);
    if (filter?.kinds && filter.kinds.length > 0)
      search = search.where(`kind IN (${filter.kinds.map(sqlString).join(', ')})`);
    const rows = (await search.toArray()) as { record: string; _score: number }[];
    return rows
      .map((row) => ({ episode: JSON.parse(row.record) as Episode, score: Number(row._score) }))
      .filter((entry) => episodeMatchesFilter(entry.episode, filter))
      .slice(0, limit);
  }

  upsertItems(
    items: readonly SemanticItem[],
    vectors?: { readonly embedder: Embedder; readonly vectors: readonly Float32Array[] },
  ): Promise<void> {
    return this.#write(async () => {
      if (items.length === 0) return;
      const tables = await this.#open();
      const table = await this.#semanticTable(
        tables,
        vectors?.embedder,
        vectors?.vectors[0]?.length,
      );
      const withVectors = await hasVectorColumn(table);
      const rows = items.map((item, index) =>
        semanticRow(
          item,
          withVectors ? (vectors?.vectors[index] ?? null) : undefined,
          vectors?.embedder.id,
        ),
      );
      await table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows);
      await this.#maybeOptimize(items.length);
      // Rows outside the full-text index are searched by scanning them; fold them in early.
      const stats = await table.indexStats('content_idx');
      if (stats && stats.numUnindexedRows > MAX_UNINDEXED_ITEMS) await table.optimize();
    });
  }

  async listItems(): Promise<SemanticItem[]> {
    const table = await this.#existingSemanticTable(await this.#open());
    if (!table) return [];
    const rows = (await table.query().select(['record']).toArray()) as { record: string }[];
    return rows
      .map((row) => JSON.parse(row.record) as SemanticItem)
      .sort(
        (a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
  }

  async searchText(query: string, { limit, filter }: RankedSearchOptions): Promise<RankedItem[]> {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const tables = await this.#open();
    const table = await this.#existingSemanticTable(tables);
    if (!table) return [];
    let search = table
      .query()
      .fullTextSearch(new tables.libraries.lancedb.MatchQuery(words.join(' '), 'content'))
      .select(['record', '_score'])
      .limit(limit);
    const where = filterPredicate(filter);
    if (where) search = search.where(where);
    const rows = (await search.toArray()) as { record: string; _score: number }[];
    return rows.map((row) => ({
      item: JSON.parse(row.record) as SemanticItem,
      score: Number(row._score),
    }));
  }

  async searchVector(request: VectorSearchRequest): Promise<RankedItem[]> {
    const table = await this.#vectorTable(request);
    if (!table) return [];
    let search = table
      .query()
      .nearestTo(Array.from(request.vector))
      .distanceType('cosine')
      .select(['record', '_distance'])
      .limit(request.limit);
    const where = filterPredicate(request.filter);
    if (where) search = search.where(where);
    const rows = (await search.toArray()) as { record: string; _distance: number }[];
    return rows.map((row) => ({
      item: JSON.parse(row.record) as SemanticItem,
      score: 1 - Number(row._distance),
    }));
  }

  async searchHybrid(request: VectorSearchRequest): Promise<RankedItem[]> {
    const table = await this.#vectorTable(request);
    if (!table) return [];
    const tables = await this.#open();
    let search = table
      .query()
      .fullTextSearch(
        new tables.libraries.lancedb.MatchQuery(queryWords(request.query).join(' '), 'content'),
      )
      .nearestTo(Array.from(request.vector))
      .distanceType('cosine')
      .select(['record'])
      .rerank(await this.#rrf(tables.libraries))
      .limit(request.limit);
    const where = filterPredicate(request.filter);
    if (where) search = search.where(where);
    const rows = (await search.toArray()) as { record: string; _relevance_score: number }[];
    return rows.map((row) => ({
      item: JSON.parse(row.record) as SemanticItem,
      score: Number(row._relevance_score),
    }));
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

  /** The semantic table, fitted to `request.embedder` and with every vector filled in. */
  async #vectorTable(request: VectorSearchRequest): Promise<Table | undefined> {
    const tables = await this.#open();
    if (!(await this.#existingSemanticTable(tables))) return undefined;
    return this.#write(async () => {
      const table = await this.#semanticTable(tables, request.embedder, request.vector.length);
      await this.#backfillVectors(table, request.embedder);
      return table;
    });
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
    return { libraries, connection, episodes, semantic };
  }

  /**
   * The semantic table, created or rebuilt so its vector column fits `embedder` (vectors of
   * `dimensions`); without an embedder, the table as it is.
   */
  async #semanticTable(
    tables: Tables,
    embedder: Embedder | undefined,
    dimensions: number | undefined,
  ): Promise<Table> {
    const { connection, libraries } = tables;
    if (tables.semantic === undefined) {
      tables.semantic = await connection.createEmptyTable(
        SEMANTIC,
        semanticSchema(libraries.arrow, embedder ? dimensions : undefined),
        { mode: 'create', existOk: true },
      );
      await ensureFullTextIndex(libraries, tables.semantic, 'content');
    }
    const table = tables.semantic;
    if (embedder === undefined || dimensions === undefined || this.#checkedFor === embedder.id)
      return table;
    if ((await vectorDimensions(table)) === dimensions) {
      this.#checkedFor = embedder.id;
      return table;
    }
    // The table was made without vectors, or for a model of another size: rebuild it with this
    // model's vectors. The items themselves (the `record` column) are kept as they are.
    const rows = (await table.query().select(['record']).toArray()) as { record: string }[];
    const items = rows.map((row) => JSON.parse(row.record) as SemanticItem);
    const vectors = await embedder.embedDocuments(items.map(searchableText));
    table.close();
    const rebuilt = await connection.createEmptyTable(
      SEMANTIC,
      semanticSchema(libraries.arrow, dimensions),
      { mode: 'overwrite' },
    );
    if (items.length > 0)
      await rebuilt.add(
        items.map((item, index) => semanticRow(item, vectors[index]!, embedder.id)),
      );
    await ensureFullTextIndex(libraries, rebuilt, 'content');
    tables.semantic = rebuilt;
    this.#checkedFor = embedder.id;
    return rebuilt;
  }

  async #existingSemanticTable(tables: Tables): Promise<Table | undefined> {
    if (tables.semantic === undefined) {
      const names = await tables.connection.tableNames();
      if (!names.includes(SEMANTIC)) return undefined;
      tables.semantic = await tables.connection.openTable(SEMANTIC);
    }
    return tables.semantic;
  }

  /** Embeds items written without `embedder` (by another store) or whose text changed since. */
  async #backfillVectors(table: Table, embedder: Embedder): Promise<void> {
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

async function existingIds(table: Table, ids: readonly string[]): Promise<ReadonlySet<string>> {
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
