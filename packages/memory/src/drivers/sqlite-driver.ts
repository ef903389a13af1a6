import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { UnsupportedVersionError } from '@karnel/core';
import type { Embedder } from '../embedder';
import type { Episode } from '../episode';
import type { CompiledEpisodeQuery } from '../episode-query';
import { SqliteUnavailableError } from '../errors';
import { loadNodeSqlite } from '../load-node-sqlite';
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
import { type SemanticItem, searchableText } from '../semantic-item';
import { textFingerprint } from '../stored-records';
import { queryWords } from '../tokenize';
import { dot } from '../vector-math';

/** Options of {@link createSqliteDriver}. */
export interface SqliteDriverOptions {
  /** The memory directory; the database is `memory.sqlite` in it. Created on first use. */
  dir: string;
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
 * The SQLite driver: one database file, `memory/memory.sqlite`, through Node's built-in
 * `node:sqlite` (no native build; loaded on first use, and it needs Node 22.13 or newer).
 * Episodes and semantic items are tables with external-content FTS5 indexes kept in step by
 * triggers and ranked by `bm25()` — the same design as Hermes' session search — and episodes
 * refuse updates and deletes. The database runs in WAL mode: any number of readers, in any
 * process, see a consistent snapshot while one writer appends. Vectors are stored beside the
 * items and searched by brute-force cosine similarity.
 */
export function createSqliteDriver(options: SqliteDriverOptions): MemoryDriver {
  const state = new SqliteState(options);
  return {
    specificationVersion: 'v1',
    name: 'sqlite',
    dir: options.dir,
    flags: { filesLayout: false },
    episodic: {
      append: async (episodes, appendOptions) => state.appendEpisodes(episodes, appendOptions),
      read: async (query) => state.readEpisodes(query),
      search: async (query, searchOptions) => state.searchEpisodes(query, searchOptions),
    },
    semantic: {
      upsert: async (items, vectors) => state.upsertItems(items, vectors),
      list: async () => state.listItems(),
      searchText: async (query, searchOptions) =>
        state.itemsFor(state.searchItemIds(query, searchOptions)),
      searchVector: async (request) => state.itemsFor(await state.searchVectorIds(request)),
    },
    close: async () => state.close(),
  };
}

interface EpisodeRow {
  record: string;
}

interface ItemRow {
  id: string;
  record: string;
}

class SqliteState {
  readonly #options: SqliteDriverOptions;
  readonly #layout: MemoryLayout;
  #database: DatabaseSync | undefined;
  #vectorCache: { key: string; vectors: Map<string, Float32Array> } | undefined;
  #localWrites = 0;

  constructor(options: SqliteDriverOptions) {
    this.#options = options;
    this.#layout = memoryLayout(options.dir);
  }

  appendEpisodes(episodes: readonly Episode[], { select }: EpisodeAppendOptions = {}): Episode[] {
    const database = this.#db();
    const insert = database.prepare(
      'INSERT INTO episodes (id, at, at_ms, kind, text, record) VALUES (?, ?, ?, ?, ?, ?)',
    );
    let written: readonly Episode[] = episodes;
    this.#transaction(() => {
      if (select) {
        const stored = new Set<string>();
        const find = database.prepare('SELECT id FROM episodes WHERE id = ?');
        for (const episode of episodes) if (find.get(episode.id)) stored.add(episode.id);
        written = select(stored);
      }
      for (const episode of written) {
        insert.run(
          episode.id,
          episode.at,
          Date.parse(episode.at),
          episode.kind,
          episode.text,
          JSON.stringify(episode),
        );
      }
    });
    return [...written];
  }

  readEpisodes(query: CompiledEpisodeQuery): Episode[] {
    const conditions: string[] = [];
    const parameters: SQLInputValue[] = [];
    let from = 'episodes e';
    if (query.text !== undefined) {
      const words = queryWords(query.text);
      if (words.length === 0) return [];
      from = 'episodes_fts f JOIN episodes e ON e.seq = f.rowid';
      conditions.push('episodes_fts MATCH ?');
      parameters.push(words.map(quoteFtsWord).join(' AND '));
    }
    if (query.fromMs !== undefined) {
      conditions.push('e.at_ms >= ?');
      parameters.push(query.fromMs);
    }
    if (query.toMs !== undefined) {
      conditions.push('e.at_ms < ?');
      parameters.push(query.toMs);
    }
    if (query.kinds !== undefined) {
      if (query.kinds.size === 0) return [];
      conditions.push(`e.kind IN (${[...query.kinds].map(() => '?').join(', ')})`);
      parameters.push(...query.kinds);
    }
    const direction = query.descending ? 'DESC' : 'ASC';
    let sql = `SELECT e.record FROM ${from}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY e.at_ms ${direction}, e.seq ${direction}`;
    if (query.limit !== undefined) {
      sql += ' LIMIT ?';
      parameters.push(query.limit);
    }
    const rows = this.#db()
      .prepare(sql)
      .all(...parameters) as unknown as EpisodeRow[];
    return rows.map((row) => JSON.parse(row.record) as Episode);
  }

  searchEpisodes(query: string, { limit, filter }: RankedSearchOptions): RankedEpisode[] {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const { sql: filterSql, parameters } = filterClause(filter, 'e.kind', 'e.record');
    const rows = this.#db()
      .prepare(
        `SELECT e.record AS record, bm25(episodes_fts) AS rank FROM episodes_fts JOIN episodes e ON e.seq = episodes_fts.rowid
         WHERE episodes_fts MATCH ?${filterSql} ORDER BY rank LIMIT ?`,
      )
      .all(words.map(quoteFtsWord).join(' OR '), ...parameters, limit) as unknown as {
      record: string;
      rank: number;
    }[];
    return rows.map((row) => ({ episode: JSON.parse(row.record) as Episode, score: -row.rank }));
  }

  upsertItems(
    items: readonly SemanticItem[],
    vectors?: { readonly embedder: Embedder; readonly vectors: readonly Float32Array[] },
  ): void {
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
          saveVector.run(
            item.id,
            vectors.embedder.id,
            fingerprint,
            vectorBytes(vectors.vectors[index]!),
          );
      });
    });
    this.#localWrites++;
  }

  listItems(): SemanticItem[] {
    const rows = this.#db()
      .prepare('SELECT id, record FROM semantic_items ORDER BY at_ms, id')
      .all() as unknown as ItemRow[];
    return rows.map((row) => JSON.parse(row.record) as SemanticItem);
  }

  searchItemIds(
    query: string,
    { limit, filter }: RankedSearchOptions,
  ): { id: string; score: number }[] {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const { sql: filterSql, parameters } = filterClause(filter, 's.kind', 's.record');
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

  async searchVectorIds(request: VectorSearchRequest): Promise<{ id: string; score: number }[]> {
    const { embedder, filter, limit } = request;
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
    const vectors = this.#loadVectors(embedder.id);
    let allowed: Set<string> | undefined;
    if (
      filter &&
      (filter.kinds?.length || filter.tags?.length || filter.sourcePrefix !== undefined)
    ) {
      const { sql, parameters } = filterClause(filter, 's.kind', 's.record');
      const rows = database
        .prepare(`SELECT s.id AS id FROM semantic_items s WHERE 1 = 1${sql}`)
        .all(...parameters) as unknown as { id: string }[];
      allowed = new Set(rows.map((row) => row.id));
    }
    const scored: { id: string; score: number }[] = [];
    for (const [id, vector] of vectors) {
      if (allowed && !allowed.has(id)) continue;
      scored.push({ id, score: dot(request.vector, vector) });
    }
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, limit);
  }

  /** The items of `ranked`, in its order, with their scores. */
  itemsFor(ranked: readonly { id: string; score: number }[]): RankedItem[] {
    if (ranked.length === 0) return [];
    const rows = this.#db()
      .prepare(
        `SELECT id, record FROM semantic_items WHERE id IN (${ranked.map(() => '?').join(', ')})`,
      )
      .all(...ranked.map((entry) => entry.id)) as unknown as ItemRow[];
    const items = new Map<string, SemanticItem>();
    for (const row of rows) items.set(row.id, JSON.parse(row.record) as SemanticItem);
    return ranked.flatMap((entry) => {
      const item = items.get(entry.id);
      return item ? [{ item, score: entry.score }] : [];
    });
  }

  close(): void {
    this.#database?.close();
    this.#database = undefined;
    this.#vectorCache = undefined;
  }

  #db(): DatabaseSync {
    if (this.#database) return this.#database;
    const { DatabaseSync } = loadNodeSqlite();
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
        try {
          database.exec(schema);
        } catch (error) {
          // Node 22.12's node:sqlite (behind --experimental-sqlite) was built without FTS5.
          if (/no such module: fts5/i.test(String((error as Error).message)))
            throw new SqliteUnavailableError({
              nodeVersion: process.versions.node,
              reason: `the SQLite in Node ${process.versions.node} has no FTS5`,
              cause: error,
            });
          throw error;
        }
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

  /** The vectors of `embedderId`, cached until this or another connection writes. */
  #loadVectors(embedderId: string): Map<string, Float32Array> {
    const database = this.#db();
    const { data_version: dataVersion } = database.prepare('PRAGMA data_version').get() as {
      data_version: number;
    };
    const key = `${embedderId}\n${dataVersion}:${this.#localWrites}`;
    if (this.#vectorCache?.key === key) return this.#vectorCache.vectors;
    const rows = database
      .prepare(
        'SELECT v.item_id AS id, v.vector AS vector FROM semantic_vectors v JOIN semantic_items s ON s.id = v.item_id AND s.fingerprint = v.fingerprint WHERE v.embedder = ?',
      )
      .all(embedderId) as unknown as { id: string; vector: Uint8Array }[];
    const vectors = new Map<string, Float32Array>();
    for (const row of rows) vectors.set(row.id, bytesToVector(row.vector));
    this.#vectorCache = { key, vectors };
    return vectors;
  }
}

/** An FTS5 string literal for one word, so no word is read as query syntax. */
function quoteFtsWord(word: string): string {
  return `"${word.replace(/"/g, '""')}"`;
}

/**
 * SQL conditions for `filter` over a table whose kind column is `kindColumn` and whose JSON
 * record (with `tags` and `sources` arrays) is `recordColumn`.
 */
function filterClause(
  filter: SearchFilter | undefined,
  kindColumn: string,
  recordColumn: string,
): {
  sql: string;
  parameters: SQLInputValue[];
} {
  let sql = '';
  const parameters: SQLInputValue[] = [];
  if (!filter) return { sql, parameters };
  if (filter.kinds && filter.kinds.length > 0) {
    sql += ` AND ${kindColumn} IN (${filter.kinds.map(() => '?').join(', ')})`;
    parameters.push(...filter.kinds);
  }
  for (const tag of filter.tags ?? []) {
    sql += ` AND EXISTS (SELECT 1 FROM json_each(${recordColumn}, '$.tags') WHERE value = ?)`;
    parameters.push(tag);
  }
  if (filter.sourcePrefix !== undefined) {
    sql += ` AND EXISTS (SELECT 1 FROM json_each(${recordColumn}, '$.sources') WHERE substr(value, 1, length(?)) = ?)`;
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
