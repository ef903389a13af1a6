import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import {
  type Clock,
  InvalidArgumentError,
  systemClock,
  UnsupportedVersionError,
} from '@karnel/core';
import { createEmbedder, type Embedder, searchCapabilities } from './embedder';
import { createEpisode, type Episode, type EpisodeInput } from './episode';
import { compileEpisodeQuery } from './episode-query';
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
import { reciprocalRankFusion } from './rank-fusion';
import { hybridDepth, resolveSearchMode, searchLimit } from './search-support';
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
import { dot } from './vector-math';

/** Options of {@link createSqliteMemory}. */
export interface SqliteMemoryOptions extends MemoryStoreOptions {
  /**
   * SQLite's `synchronous` setting. `full` (the default) makes every acknowledged write survive
   * a power cut; `normal` is faster and still survives a crash of the process.
   */
  synchronous?: 'full' | 'normal';
  /** How long a write waits for another process's write to finish, in milliseconds. Default 5000. */
  busyTimeoutMs?: number;
}

const SCHEMA_VERSION = '1';
const TOKENIZER = "tokenize='porter unicode61 remove_diacritics 2'";

const schema = `
CREATE TABLE IF NOT EXISTS karnel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS episodes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  at TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS episodes_by_time ON episodes(at_ms, seq);
CREATE INDEX IF NOT EXISTS episodes_by_kind ON episodes(kind, at_ms, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS episodes_fts USING fts5(text, content='episodes', content_rowid='seq', ${TOKENIZER});
CREATE TRIGGER IF NOT EXISTS episodes_fts_insert AFTER INSERT ON episodes BEGIN
  INSERT INTO episodes_fts(rowid, text) VALUES (new.seq, new.text);
END;
CREATE TRIGGER IF NOT EXISTS episodes_append_only_update BEFORE UPDATE ON episodes BEGIN
  SELECT RAISE(ABORT, 'episodes are append-only');
END;
CREATE TRIGGER IF NOT EXISTS episodes_append_only_delete BEFORE DELETE ON episodes BEGIN
  SELECT RAISE(ABORT, 'episodes are append-only');
END;
CREATE TABLE IF NOT EXISTS semantic_items (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  at TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  kind TEXT,
  title TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  sources TEXT NOT NULL DEFAULT '[]',
  fingerprint TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS semantic_fts USING fts5(title, text, content='semantic_items', content_rowid='rowid', ${TOKENIZER});
CREATE TRIGGER IF NOT EXISTS semantic_fts_insert AFTER INSERT ON semantic_items BEGIN
  INSERT INTO semantic_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS semantic_fts_delete AFTER DELETE ON semantic_items BEGIN
  INSERT INTO semantic_fts(semantic_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
END;
CREATE TRIGGER IF NOT EXISTS semantic_fts_update AFTER UPDATE ON semantic_items BEGIN
  INSERT INTO semantic_fts(semantic_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
  INSERT INTO semantic_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
CREATE TABLE IF NOT EXISTS semantic_vectors (
  item_id TEXT NOT NULL,
  embedder TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (item_id, embedder)
) WITHOUT ROWID;
`;

/**
 * Creates the SQLite backend: one database file, `memory/memory.sqlite`, through Node's built-in
 * `node:sqlite` (no native build). Episodes and semantic items are tables with external-content
 * FTS5 indexes kept in step by triggers and ranked by `bm25()` — the same design as Hermes'
 * session search — and episodes refuse updates and deletes. The database runs in WAL mode:
 * any number of readers, in any process, see a consistent snapshot while one writer appends.
 *
 * With an embedder, vectors are stored beside the items and searched by brute-force cosine
 * similarity; hybrid search fuses both rankings with reciprocal rank fusion.
 */
export function createSqliteMemory(options: SqliteMemoryOptions): MemoryStore {
  return new SqliteMemoryStore(options);
}

interface EpisodeRow {
  record: string;
}

interface ItemRow {
  id: string;
  record: string;
}

class SqliteMemoryStore implements MemoryStore {
  readonly specificationVersion = 'v1' as const;
  readonly backend = 'sqlite';
  readonly dir: string;
  readonly capabilities: MemoryCapabilities;

  readonly #options: SqliteMemoryOptions;
  readonly #layout: MemoryLayout;
  readonly #clock: Clock;
  readonly #embedder: Embedder | undefined;
  readonly #strategic: StrategicStore;
  #database: DatabaseSync | undefined;
  #vectorCache: { version: string; vectors: Map<string, Float32Array> } | undefined;
  #localWrites = 0;

  constructor(options: SqliteMemoryOptions) {
    this.#options = options;
    this.dir = options.dir;
    this.#layout = memoryLayout(options.dir);
    this.#clock = options.clock ?? systemClock;
    this.#embedder = options.embedder === undefined ? undefined : createEmbedder(options.embedder);
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
    const database = this.#db();
    const insert = database.prepare(
      `INSERT ${ifExists === 'skip' ? 'OR IGNORE ' : ''}INTO episodes (id, at, at_ms, kind, text, record) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const written: Episode[] = [];
    this.#transaction(() => {
      for (const episode of episodes) {
        let changes: number | bigint;
        try {
          ({ changes } = insert.run(
            episode.id,
            episode.at,
            Date.parse(episode.at),
            episode.kind,
            episode.text,
            JSON.stringify(episode),
          ));
        } catch (error) {
          if (String((error as Error).message).includes('UNIQUE constraint failed: episodes.id')) {
            throw new InvalidArgumentError({
              argument: 'inputs',
              value: episode.id,
              message: `episode ${episode.id} is already in ${this.#layout.sqlite}`,
            });
          }
          throw error;
        }
        if (Number(changes) > 0) written.push(episode);
      }
    });
    return written;
  }

  async readEpisodes(query?: EpisodeQuery): Promise<Episode[]> {
    const compiled = compileEpisodeQuery(query);
    const conditions: string[] = [];
    const parameters: SQLInputValue[] = [];
    let from = 'episodes e';
    if (compiled.text !== undefined) {
      const words = queryWords(compiled.text);
      if (words.length === 0) return [];
      from = 'episodes_fts f JOIN episodes e ON e.seq = f.rowid';
      conditions.push('episodes_fts MATCH ?');
      parameters.push(words.map(quoteFtsWord).join(' AND '));
    }
    if (compiled.fromMs !== undefined) {
      conditions.push('e.at_ms >= ?');
      parameters.push(compiled.fromMs);
    }
    if (compiled.toMs !== undefined) {
      conditions.push('e.at_ms < ?');
      parameters.push(compiled.toMs);
    }
    if (compiled.kinds !== undefined) {
      if (compiled.kinds.size === 0) return [];
      conditions.push(`e.kind IN (${[...compiled.kinds].map(() => '?').join(', ')})`);
      parameters.push(...compiled.kinds);
    }
    const direction = compiled.descending ? 'DESC' : 'ASC';
    let sql = `SELECT e.record FROM ${from}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY e.at_ms ${direction}, e.seq ${direction}`;
    if (compiled.limit !== undefined) {
      sql += ' LIMIT ?';
      parameters.push(compiled.limit);
    }
    const rows = this.#db()
      .prepare(sql)
      .all(...parameters) as unknown as EpisodeRow[];
    return rows.map((row) => JSON.parse(row.record) as Episode);
  }

  async upsertSemantic(inputs: readonly SemanticItemInput[]): Promise<SemanticItem[]> {
    const items = inputs.map((input) => createSemanticItem(input, this.#clock));
    const vectors = this.#embedder
      ? await this.#embedder.embedDocuments(items.map(searchableText))
      : undefined;
    const database = this.#db();
    const upsert = database.prepare(`
      INSERT INTO semantic_items (id, at, at_ms, kind, title, text, tags, sources, fingerprint, record)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET at = excluded.at, at_ms = excluded.at_ms, kind = excluded.kind, title = excluded.title,
        text = excluded.text, tags = excluded.tags, sources = excluded.sources, fingerprint = excluded.fingerprint, record = excluded.record`);
    const saveVector = database.prepare(
      'INSERT OR REPLACE INTO semantic_vectors (item_id, embedder, fingerprint, vector) VALUES (?, ?, ?, ?)',
    );
    this.#transaction(() => {
      items.forEach((item, index) => {
        const fingerprint = textFingerprint(searchableText(item));
        upsert.run(
          item.id,
          item.at,
          Date.parse(item.at),
          item.kind ?? null,
          item.title ?? '',
          item.text,
          JSON.stringify(item.tags ?? []),
          JSON.stringify(item.sources),
          fingerprint,
          JSON.stringify(item),
        );
        if (vectors)
          saveVector.run(item.id, this.#embedder!.id, fingerprint, vectorBytes(vectors[index]!));
      });
    });
    this.#localWrites++;
    return items;
  }

  async listSemantic(): Promise<SemanticItem[]> {
    const rows = this.#db()
      .prepare('SELECT id, record FROM semantic_items ORDER BY at_ms, id')
      .all() as unknown as ItemRow[];
    return rows.map((row) => JSON.parse(row.record) as SemanticItem);
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const k = searchLimit(options);
    const { mode, notices } = resolveSearchMode(
      options.mode,
      this.#embedder !== undefined,
      this.backend,
    );
    const depth = mode === 'hybrid' ? hybridDepth(k) : k;
    const fullText = mode === 'vector' ? [] : this.#fullTextSearch(query, depth, options.filter);
    const vector =
      mode === 'full-text' ? [] : await this.#vectorSearch(query, depth, options.filter);
    let ranked: { id: string; score: number; matchedBy: ('full-text' | 'vector')[] }[];
    if (mode === 'full-text')
      ranked = fullText.map((hit) => ({ ...hit, matchedBy: ['full-text'] }));
    else if (mode === 'vector') ranked = vector.map((hit) => ({ ...hit, matchedBy: ['vector'] }));
    else {
      ranked = reciprocalRankFusion([
        fullText.map((hit) => hit.id),
        vector.map((hit) => hit.id),
      ]).map((entry) => ({
        id: entry.key,
        score: entry.score,
        matchedBy: entry.lists.map((list) => (list === 0 ? 'full-text' : 'vector')),
      }));
    }
    ranked = ranked.slice(0, k);
    const items = this.#itemsById(ranked.map((entry) => entry.id));
    const hits: SearchHit[] = ranked.flatMap((entry) => {
      const item = items.get(entry.id);
      return item ? [{ item, score: entry.score, matchedBy: entry.matchedBy }] : [];
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
    this.#database?.close();
    this.#database = undefined;
    this.#vectorCache = undefined;
  }

  #db(): DatabaseSync {
    if (this.#database) return this.#database;
    mkdirSync(dirname(this.#layout.sqlite), { recursive: true });
    const database = new DatabaseSync(this.#layout.sqlite);
    try {
      database.exec(
        `PRAGMA busy_timeout = ${Math.max(0, Math.floor(this.#options.busyTimeoutMs ?? 5000))}`,
      );
      database.exec('PRAGMA journal_mode = WAL');
      database.exec(
        `PRAGMA synchronous = ${this.#options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`,
      );
      database.exec('BEGIN IMMEDIATE');
      try {
        database.exec(schema);
        const row = database
          .prepare("SELECT value FROM karnel_meta WHERE key = 'schema_version'")
          .get() as { value: string } | undefined;
        if (row === undefined)
          database
            .prepare("INSERT INTO karnel_meta (key, value) VALUES ('schema_version', ?)")
            .run(SCHEMA_VERSION);
        else if (row.value !== SCHEMA_VERSION) {
          throw new UnsupportedVersionError({
            version: row.value,
            supported: [SCHEMA_VERSION],
            what: `memory database schema (${this.#layout.sqlite})`,
          });
        }
        database.exec('COMMIT');
      } catch (error) {
        database.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      database.close();
      throw error;
    }
    this.#database = database;
    return database;
  }

  #transaction(work: () => void): void {
    const database = this.#db();
    // IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy_timeout)
    // instead of failing halfway through.
    database.exec('BEGIN IMMEDIATE');
    try {
      work();
      database.exec('COMMIT');
    } catch (error) {
      database.exec('ROLLBACK');
      throw error;
    }
  }

  #fullTextSearch(
    query: string,
    limit: number,
    filter: SearchFilter | undefined,
  ): { id: string; score: number }[] {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const { sql: filterSql, parameters } = filterClause(filter);
    // bm25() is lower-is-better; titles count twice as much as body text.
    const rows = this.#db()
      .prepare(
        `SELECT s.id AS id, bm25(semantic_fts, 2.0, 1.0) AS rank FROM semantic_fts JOIN semantic_items s ON s.rowid = semantic_fts.rowid
         WHERE semantic_fts MATCH ?${filterSql} ORDER BY rank LIMIT ?`,
      )
      .all(words.map(quoteFtsWord).join(' OR '), ...parameters, limit) as unknown as {
      id: string;
      rank: number;
    }[];
    return rows.map((row) => ({ id: row.id, score: -row.rank }));
  }

  async #vectorSearch(
    query: string,
    limit: number,
    filter: SearchFilter | undefined,
  ): Promise<{ id: string; score: number }[]> {
    const embedder = this.#embedder!;
    const database = this.#db();
    const stale = database
      .prepare(
        `SELECT s.id AS id, s.title AS title, s.text AS text, s.fingerprint AS fingerprint FROM semantic_items s
         LEFT JOIN semantic_vectors v ON v.item_id = s.id AND v.embedder = ?
         WHERE v.item_id IS NULL OR v.fingerprint != s.fingerprint`,
      )
      .all(embedder.id) as unknown as {
      id: string;
      title: string;
      text: string;
      fingerprint: string;
    }[];
    if (stale.length > 0) {
      // Items written without this embedder (or changed since) are embedded now.
      const vectors = await embedder.embedDocuments(
        stale.map((row) => searchableText({ title: row.title || undefined, text: row.text })),
      );
      const save = database.prepare(
        'INSERT OR REPLACE INTO semantic_vectors (item_id, embedder, fingerprint, vector) VALUES (?, ?, ?, ?)',
      );
      this.#transaction(() => {
        for (const [index, row] of stale.entries())
          save.run(row.id, embedder.id, row.fingerprint, vectorBytes(vectors[index]!));
      });
      this.#localWrites++;
    }
    const vectors = this.#loadVectors();
    const target = await embedder.embedQuery(query);
    let allowed: Set<string> | undefined;
    if (
      filter &&
      (filter.kinds?.length || filter.tags?.length || filter.sourcePrefix !== undefined)
    ) {
      const { sql, parameters } = filterClause(filter);
      const rows = database
        .prepare(`SELECT s.id AS id FROM semantic_items s WHERE 1 = 1${sql}`)
        .all(...parameters) as unknown as { id: string }[];
      allowed = new Set(rows.map((row) => row.id));
    }
    const scored: { id: string; score: number }[] = [];
    for (const [id, vector] of vectors) {
      if (allowed && !allowed.has(id)) continue;
      scored.push({ id, score: dot(target, vector) });
    }
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, limit);
  }

  /** This embedder's vectors, cached until this or another connection writes. */
  #loadVectors(): Map<string, Float32Array> {
    const database = this.#db();
    const { data_version: dataVersion } = database.prepare('PRAGMA data_version').get() as {
      data_version: number;
    };
    const version = `${dataVersion}:${this.#localWrites}`;
    if (this.#vectorCache?.version === version) return this.#vectorCache.vectors;
    const rows = database
      .prepare(
        'SELECT v.item_id AS id, v.vector AS vector FROM semantic_vectors v JOIN semantic_items s ON s.id = v.item_id AND s.fingerprint = v.fingerprint WHERE v.embedder = ?',
      )
      .all(this.#embedder!.id) as unknown as { id: string; vector: Uint8Array }[];
    const vectors = new Map<string, Float32Array>();
    for (const row of rows) vectors.set(row.id, bytesToVector(row.vector));
    this.#vectorCache = { version, vectors };
    return vectors;
  }

  #itemsById(ids: readonly string[]): Map<string, SemanticItem> {
    const items = new Map<string, SemanticItem>();
    if (ids.length === 0) return items;
    const rows = this.#db()
      .prepare(
        `SELECT id, record FROM semantic_items WHERE id IN (${ids.map(() => '?').join(', ')})`,
      )
      .all(...ids) as unknown as ItemRow[];
    for (const row of rows) items.set(row.id, JSON.parse(row.record) as SemanticItem);
    return items;
  }
}

/** An FTS5 string literal for one word, so no word is read as query syntax. */
function quoteFtsWord(word: string): string {
  return `"${word.replace(/"/g, '""')}"`;
}

function filterClause(filter: SearchFilter | undefined): {
  sql: string;
  parameters: SQLInputValue[];
} {
  let sql = '';
  const parameters: SQLInputValue[] = [];
  if (!filter) return { sql, parameters };
  if (filter.kinds && filter.kinds.length > 0) {
    sql += ` AND s.kind IN (${filter.kinds.map(() => '?').join(', ')})`;
    parameters.push(...filter.kinds);
  }
  for (const tag of filter.tags ?? []) {
    sql += ' AND EXISTS (SELECT 1 FROM json_each(s.tags) WHERE value = ?)';
    parameters.push(tag);
  }
  if (filter.sourcePrefix !== undefined) {
    sql += ' AND EXISTS (SELECT 1 FROM json_each(s.sources) WHERE substr(value, 1, length(?)) = ?)';
    parameters.push(filter.sourcePrefix, filter.sourcePrefix);
  }
  return { sql, parameters };
}

function vectorBytes(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}

function bytesToVector(bytes: Uint8Array): Float32Array {
  // Copy: the blob's buffer may not be 4-byte aligned.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
