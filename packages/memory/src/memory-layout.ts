import { join } from 'node:path';

/**
 * Where each tier of a memory directory lives on disk. The names of `episodic.jsonl`,
 * `semantic/` and `strategic.yaml` come from the Karnel format (spec 1.2); the others are this
 * implementation's and are described in Annex A.
 */
export interface MemoryLayout {
  /** The memory directory itself (usually `<agent or group>/memory`). */
  readonly root: string;
  /** The append-only episodic log, one JSON object per line. */
  readonly episodic: string;
  /** The semantic tier's folder. */
  readonly semantic: string;
  /** The files backend's semantic items, one JSON object per line; a later line with the same id supersedes an earlier one. */
  readonly semanticItems: string;
  /** The files backend's cached embeddings, one file per embedding model. */
  readonly semanticVectors: string;
  /** The current strategic memory. */
  readonly strategic: string;
  /** Every strategic revision ever written, one per line, from which any earlier state can be restored. */
  readonly strategicHistory: string;
  /** The SQLite backend's database. */
  readonly sqlite: string;
  /** The LanceDB backend's database folder. */
  readonly lancedb: string;
}

/** The paths of the memory directory `root`. */
export function memoryLayout(root: string): MemoryLayout {
  return {
    root,
    episodic: join(root, 'episodic.jsonl'),
    semantic: join(root, 'semantic'),
    semanticItems: join(root, 'semantic', 'items.jsonl'),
    semanticVectors: join(root, 'semantic', 'vectors'),
    strategic: join(root, 'strategic.yaml'),
    strategicHistory: join(root, 'strategic.history.jsonl'),
    sqlite: join(root, 'memory.sqlite'),
    lancedb: join(root, 'lancedb'),
  };
}
