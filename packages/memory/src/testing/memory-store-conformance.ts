import type { MemoryStoreFactory } from './conformance-context';
import { describeEpisodicConformance } from './episodic-conformance';
import { describeSemanticConformance } from './semantic-conformance';
import { describeStrategicConformance } from './strategic-conformance';

/**
 * The Memory Interface conformance suite (Annex A, section "Conformance"): the tests of every
 * tier, each in its own `describe` block. Every backend runs it unchanged; a new backend (a
 * driver of your own behind `createMemoryStore`) conforms when it passes.
 *
 * @example
 * ```ts
 * // my-driver.conformance.test.ts (vitest)
 * import { createMemoryStore } from '@karnel/memory';
 * import { describeMemoryStoreConformance } from '@karnel/memory/testing';
 * describeMemoryStoreConformance('my-backend', (options) =>
 *   createMemoryStore({ ...options, driver: createMyDriver({ dir: options.dir }) }),
 * );
 * ```
 */
export function describeMemoryStoreConformance(backend: string, factory: MemoryStoreFactory): void {
  describeEpisodicConformance(backend, factory);
  describeSemanticConformance(backend, factory);
  describeStrategicConformance(backend, factory);
}
