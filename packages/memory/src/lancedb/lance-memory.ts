import { createMemoryStore } from '../create-memory-store';
import type { MemoryStoreOptions } from '../memory-options';
import type { MemoryStore } from '../memory-store';
import { createLanceDriver, type LanceDriverOptions } from './lance-driver';

/** Options of {@link createLanceMemory}. */
export interface LanceMemoryOptions extends MemoryStoreOptions, Omit<LanceDriverOptions, 'dir'> {}

/**
 * Creates the LanceDB backend, in `memory/lancedb/`: Lance tables with native full-text
 * indexes; with an embedder, vector search and LanceDB's own hybrid search. For memories that
 * outgrow the other backends, and for the best hybrid retrieval.
 *
 * Needs the optional peer dependencies `@lancedb/lancedb` and `apache-arrow`
 * (`npm install @lancedb/lancedb apache-arrow`); without them the first call throws
 * `MissingPeerDependencyError` saying so. A folder holding the files backend's records is
 * refused (`MemoryLayoutConflictError`).
 *
 * The same as `createMemoryStore({ driver: createLanceDriver({ dir }), …options })`.
 */
export function createLanceMemory(options: LanceMemoryOptions): MemoryStore {
  const { dir, optimizeEvery, ...rest } = options;
  return createMemoryStore({
    ...rest,
    driver: createLanceDriver({ dir, ...(optimizeEvery === undefined ? {} : { optimizeEvery }) }),
  });
}
