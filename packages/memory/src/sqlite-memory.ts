import { createMemoryStore } from './create-memory-store';
import { createSqliteDriver, type SqliteDriverOptions } from './drivers/sqlite-driver';
import type { MemoryStoreOptions } from './memory-options';
import type { MemoryStore } from './memory-store';

/** Options of {@link createSqliteMemory}. */
export interface SqliteMemoryOptions extends MemoryStoreOptions, Omit<SqliteDriverOptions, 'dir'> {}

/**
 * Creates the SQLite backend: one database file, `memory/memory.sqlite`, through Node's built-in
 * `node:sqlite` (no native build, nothing to install; it needs Node 22.13 or newer and is loaded
 * only when the store is first used). Episodes and semantic items are tables with
 * external-content FTS5 indexes ranked by `bm25()`, as in Hermes' session search; WAL mode lets
 * readers in any process see a consistent snapshot while one writer appends. With an embedder,
 * vectors are stored beside the items; hybrid search fuses both rankings by reciprocal rank
 * fusion.
 *
 * A folder holding the files backend's `episodic.jsonl` or `semantic/items.jsonl` is refused
 * (`MemoryLayoutConflictError`) rather than shown without them.
 *
 * The same as `createMemoryStore({ driver: createSqliteDriver({ dir }), …options })`.
 *
 * @throws {SqliteUnavailableError} (from the first call) on a Node.js without `node:sqlite`.
 */
export function createSqliteMemory(options: SqliteMemoryOptions): MemoryStore {
  const { dir, synchronous, busyTimeoutMs, ...rest } = options;
  return createMemoryStore({
    ...rest,
    driver: createSqliteDriver({
      dir,
      ...(synchronous ? { synchronous } : {}),
      ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
    }),
  });
}
