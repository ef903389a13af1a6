/**
 * The Memory Interface conformance suite, for vitest: run it against any store or driver to
 * check that it behaves as Annex A says. Needs the optional peer dependencies `vitest` and
 * `fast-check` (as dev dependencies of your project).
 *
 * @packageDocumentation
 */
export {
  type ConformanceContext,
  type MemoryStoreFactory,
  useConformanceContext,
} from './conformance-context';
export { describeEpisodicConformance } from './episodic-conformance';
export { describeMemoryStoreConformance } from './memory-store-conformance';
export { describeSemanticConformance } from './semantic-conformance';
export { describeStrategicConformance } from './strategic-conformance';
export { type TemporaryDirectories, temporaryDirectories } from './temporary-directory';
