import { join } from 'node:path';
import { createManualClock, type ManualClock } from '@karnel/core';
import { afterEach } from 'vitest';
import type { MemoryStoreOptions } from '../memory-options';
import type { MemoryStore } from '../memory-store';
import { type TemporaryDirectories, temporaryDirectories } from './temporary-directory';

/**
 * Creates a store of the backend under test from the options every store accepts. For a driver
 * of your own: `(options) => createMemoryStore({ ...options, driver: createMyDriver({ dir: options.dir }) })`.
 */
export type MemoryStoreFactory = (options: MemoryStoreOptions) => MemoryStore;

/** What the tests of one tier share: temporary folders, a manual clock, and stores closed after each test. */
export interface ConformanceContext {
  /** Temporary folders, removed after each test. */
  readonly directories: TemporaryDirectories;
  /** A store in a new folder (or `options.dir`), with the context's clock. */
  openStore(options?: Partial<MemoryStoreOptions>): Promise<MemoryStore>;
  /** Starts a test: a new manual clock at 2026-05-03T10:00:00Z, which stores opened afterwards use. */
  start(): ManualClock;
}

/** Sets up a {@link ConformanceContext} inside a `describe` block. */
export function useConformanceContext(factory: MemoryStoreFactory): ConformanceContext {
  const directories = temporaryDirectories();
  const open: MemoryStore[] = [];
  let clock = createManualClock('2026-05-03T10:00:00.000Z');
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    await directories.cleanup();
  });
  return {
    directories,
    async openStore(options = {}) {
      const dir = options.dir ?? join(await directories.create(), 'memory');
      const store = factory({ clock, onDiagnostic: () => {}, ...options, dir });
      open.push(store);
      return store;
    },
    start() {
      clock = createManualClock('2026-05-03T10:00:00.000Z');
      return clock;
    },
  };
}
