import { createMemoryStore } from './create-memory-store';
import { createFilesDriver } from './drivers/files-driver';
import type { MemoryStoreOptions } from './memory-options';
import type { MemoryStore } from './memory-store';

/** Options of {@link createFileMemory}. */
export interface FileMemoryOptions extends MemoryStoreOptions {}

/**
 * Creates the files backend, the default: the Karnel format's own layout and nothing else —
 * `episodic.jsonl`, `semantic/items.jsonl` (plus cached embeddings in `semantic/vectors/`),
 * `strategic.yaml` and its history. It needs only Node. Search runs over an in-memory BM25
 * index (and brute-force cosine similarity with an embedder), built from the files when the
 * store is first used, which suits one agent's memory up to some hundred thousand entries.
 * After that, each call reads only the lines appended since the previous one (by this store,
 * another store or another process), so its cost does not grow with the history; a file that
 * was replaced, cut or removed is read again whole.
 *
 * Several processes may read and write at once: appends are serialised by a lock file, and
 * readers only ever see complete lines. A damaged line is skipped and reported to
 * `options.onDiagnostic` at its line and column.
 *
 * The same as `createMemoryStore({ driver: createFilesDriver({ dir }), …options })`.
 */
export function createFileMemory(options: FileMemoryOptions): MemoryStore {
  const { dir, onDiagnostic, ...rest } = options;
  return createMemoryStore({
    ...rest,
    driver: createFilesDriver({
      dir,
      ...(onDiagnostic ? { onDiagnostic } : {}),
      ...(rest.root === undefined ? {} : { root: rest.root }),
    }),
  });
}
