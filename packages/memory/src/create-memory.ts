import { InvalidArgumentError } from '@karnel/core';
import { createMemoryStore } from './create-memory-store';
import { createFileMemory } from './file-memory';
import type { LanceDriverOptions } from './lancedb/lance-driver';
import type { MemoryDriver } from './memory-driver';
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
      /** One SQLite database (`memory.sqlite`) in the memory folder; Node 22.13 or newer. */
      backend: 'sqlite';
    } & SqliteMemoryOptions)
  | ({
      /**
       * A LanceDB database (`lancedb/`) in the memory folder; needs the optional peers
       * `@lancedb/lancedb` and `apache-arrow`.
       */
      backend: 'lancedb';
    } & MemoryStoreOptions &
      Omit<LanceDriverOptions, 'dir'>);

/**
 * Creates a store of the backend named in the options (default `files`), for code that picks
 * the backend from configuration, such as the CLI's `--backend`. The LanceDB driver is loaded
 * on the store's first call, so this works without LanceDB installed until it is used.
 *
 * @throws {InvalidArgumentError} for an unknown backend name.
 */
export function createMemory(options: CreateMemoryOptions): MemoryStore {
  const backend = options.backend ?? 'files';
  switch (backend) {
    case 'files':
      return createFileMemory(options);
    case 'sqlite':
      return createSqliteMemory(options as SqliteMemoryOptions);
    case 'lancedb': {
      const { dir, optimizeEvery, ...rest } = options as MemoryStoreOptions &
        Omit<LanceDriverOptions, 'dir'>;
      return createMemoryStore({
        ...rest,
        driver: deferredDriver('lancedb', dir, async () => {
          const { createLanceDriver } = await import('./lancedb/lance-driver');
          return createLanceDriver({
            dir,
            ...(optimizeEvery === undefined ? {} : { optimizeEvery }),
          });
        }),
      });
    }
    default:
      throw new InvalidArgumentError({
        argument: 'backend',
        value: backend,
        message: `unknown memory backend; expected one of ${MEMORY_BACKENDS.join(', ')}`,
      });
  }
}

/**
 * A driver whose code is loaded on first use. It keeps the files layout flag `false` and offers
 * vector and hybrid search, as the LanceDB driver does.
 */
function deferredDriver(
  name: string,
  dir: string,
  load: () => Promise<MemoryDriver>,
): MemoryDriver {
  let loading: Promise<MemoryDriver> | undefined;
  const driver = () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return {
    specificationVersion: 'v1',
    name,
    dir,
    flags: { filesLayout: false },
    episodic: {
      append: async (episodes, options) => (await driver()).episodic.append(episodes, options),
      read: async (query) => (await driver()).episodic.read(query),
      search: async (query, options) => (await driver()).episodic.search(query, options),
    },
    semantic: {
      upsert: async (items, vectors) => (await driver()).semantic.upsert(items, vectors),
      list: async () => (await driver()).semantic.list(),
      searchText: async (query, options) => (await driver()).semantic.searchText(query, options),
      searchVector: async (request) => (await driver()).semantic.searchVector!(request),
      searchHybrid: async (request) => (await driver()).semantic.searchHybrid!(request),
    },
    close: async () => {
      if (loading) await (await loading.catch(() => undefined))?.close();
    },
  };
}
