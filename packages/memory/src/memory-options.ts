import type { Clock } from '@karnel/core';
import type { MemoryEmbeddingModel } from './embedding-model';
import type { DiagnosticListener } from './memory-driver';
import type { MemoryWriter } from './memory-store';

/** The options every backend's factory accepts. */
export interface MemoryStoreOptions {
  /** The memory directory (`<agent or group>/memory`). Created on first write. */
  dir: string;
  /**
   * The embedding model for vector and hybrid search: any AI SDK embedding model (see
   * {@link MemoryEmbeddingModel}). Without one, search is full-text only (and says so in its
   * notices).
   */
  embedder?: MemoryEmbeddingModel;
  /** Who writes through this store. Group strategic memory checks `writer.role`. */
  writer?: MemoryWriter;
  /**
   * Whether this is a group's memory. Group strategic memory is guarded: only the roles in
   * `strategicWriters` may change it. Default `false`.
   */
  group?: boolean;
  /**
   * The roles allowed to write strategic memory: the group's coordination rule. Default
   * `['strategist']` for a group and no restriction for an agent's own memory; passing a list
   * guards an agent's memory too.
   */
  strategicWriters?: readonly string[];
  /** Where time comes from (timestamps of new episodes, items and revisions). Default: the system clock. */
  clock?: Clock;
  /**
   * Where the store reports damage it met and skipped while reading or appending — a corrupt
   * line in the middle of `episodic.jsonl`, a torn last line left by a crash — each at its file,
   * line and column. Default: a Node.js process warning (`process.emitWarning`), so damage is
   * never skipped silently.
   */
  onDiagnostic?: DiagnosticListener;
  /**
   * What a store whose backend keeps its records elsewhere (SQLite, LanceDB) does with a folder
   * that holds the files backend's `episodic.jsonl` or `semantic/items.jsonl` while its own
   * storage is still empty — the records it would silently not see. `refuse` (the default)
   * throws `MemoryLayoutConflictError`; `ignore` opens it anyway, for moving a memory to another
   * backend in place with `copyMemory`. The files backend ignores this option.
   */
  filesRecords?: 'refuse' | 'ignore';
  /**
   * The folder every file of this memory must really be inside (a group's root, for a runtime
   * that reads memory long after the group was validated). A memory file that a symbolic link
   * leads out of it is neither read nor written: the call throws an `OutsideRootError`
   * (`@karnel/core`) naming the path and where it leads. The files backend and the strategic
   * tier honour it. Default: none, links are followed.
   */
  root?: string;
}

/** The roles allowed to write strategic memory under `options`, or `undefined` for anyone. */
export function strategicWriterRoles(options: MemoryStoreOptions): readonly string[] | undefined {
  if (options.strategicWriters !== undefined) return [...options.strategicWriters];
  return options.group ? ['strategist'] : undefined;
}
