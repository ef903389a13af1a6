export {
  type AdapterConformanceOptions,
  type ConformanceHarness,
  runAdapterConformance,
} from './adapter-conformance';
export { createMemoryLedger, type MemoryLedger } from './memory-ledger';
