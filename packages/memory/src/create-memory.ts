import { InvalidArgumentError } from '@karnel/core';
import { createFileMemory } from './file-memory';
import { createLanceMemory, type LanceMemoryOptions } from './lance-memory';
import type { MemoryStoreOptions } from './memory-options';
import type { MemoryStore } from './memory-store';
import { createSqliteMemory, type SqliteMemoryOptions } from './sqlite-memory';

/** The names of the backends this package provides. */
export const MEMORY_BACKENDS = ['files', 'sqlite', 'lancedb'] as const;

/** One of {@link MEMORY_BACKENDS}. */
export type MemoryBackend = (typeof MEMORY_BACKENDS)[number];

/** Options of {@link createMemory}: a backend's name and that backend's options. */
export type CreateMemoryOptions =
  | ({
      /** Plain files (JSONL and YAML) in the memory folder; the default. */
      backend?: 'files';
    } & MemoryStoreOptions)
  | ({
      /** One SQLite database (`memory.sqlite`) in the memory folder. */
      backend: 'sqlite';
    } & SqliteMemoryOptions)
  | ({
      /** A LanceDB database (`lancedb/`) in the memory folder. */
      backend: 'lancedb';
    } & LanceMemoryOptions);

/**
 * Creates a store of the backend named in the options (default `files`), for code that picks
 * the backend from configuration, such as the CLI's `--backend`.
 *
 * @throws {InvalidArgumentError} for an unknown backend name.
 */
export function createMemory(options: CreateMemoryOptions): MemoryStore {
  const backend = options.backend ?? 'files';
  switch (backend) {
    case 'files':
      return createFileMemory(options);
    case 'sqlite':
      return createSqliteMemory(options);
    case 'lancedb':
      return createLanceMemory(options);
    default:
      throw new InvalidArgumentError({
        argument: 'backend',
        value: backend,
        message: `unknown memory backend; expected one of ${MEMORY_BACKENDS.join(', ')}`,
      });
  }
}
