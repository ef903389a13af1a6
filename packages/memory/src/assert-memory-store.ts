import { UnsupportedVersionError } from '@karnel/core';
import type { MemoryStore } from './memory-store';

/**
 * Checks that `store` implements a version of the Memory Interface this package knows (`v1`),
 * where functions accept a store made elsewhere (transfer, consolidation, context assembly).
 *
 * @throws {UnsupportedVersionError} for any other `specificationVersion`.
 */
export function assertMemoryStore(store: MemoryStore): void {
  const version = (store as { specificationVersion?: unknown } | undefined)?.specificationVersion;
  if (version !== 'v1') {
    throw new UnsupportedVersionError({
      version: String(version),
      supported: ['v1'],
      what: 'memory store specification',
    });
  }
}
