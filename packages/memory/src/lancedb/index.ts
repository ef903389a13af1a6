/**
 * The LanceDB backend of `@karnel/memory`. It needs the optional peer dependencies
 * `@lancedb/lancedb` and `apache-arrow`: `npm install @karnel/memory @lancedb/lancedb apache-arrow`.
 *
 * @packageDocumentation
 */
export { createLanceDriver, type LanceDriverOptions } from './lance-driver';
export { createLanceMemory, type LanceMemoryOptions } from './lance-memory';
