export { SandboxUnavailableError, WrongRuntimeError } from './errors';
export { type HostProbe, probeHost } from './host-probe';
export {
  defineNativeOperation,
  type NativeOperation,
  type NativeOperationContext,
  type NativeOperationNeeds,
} from './native-operation';
export {
  defaultNativeOperations,
  gitStatusOperation,
  scanDirOperation,
  sha256FileOperation,
} from './native-operations';
export { createNativeWorker, type NativeWorkerOptions } from './native-worker';
export { createNodeWorker, NODE_RESERVATION_MB, type NodeWorkerOptions } from './node-worker';
export {
  type CapabilityCheck,
  type CapabilityRequest,
  type CheckSource,
  checkCapabilities,
  type PolicyDecider,
} from './policy-gate';
export { createPythonWorker, type PythonWorkerOptions } from './python-worker';
export { globBase } from './sandbox-plan';
export {
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_X86_64,
  type SeccompProgram,
  type SeccompProgramOptions,
  seccompSupported,
  spawnDenyingSeccompProgram,
} from './seccomp-filter';
export { type IsolationMode, PROCESS_ISOLATION_WARNING } from './subprocess-run';
export {
  type CapWasmMemoryResult,
  capWasmMemory,
  WASM_PAGE_BYTES,
  WASM_TABLE_ELEMENT_LIMIT,
  type WasmImport,
  type WasmMemoryLimits,
} from './wasm-module';
export { createWasmWorker, EXTISM_HOST_FUNCTIONS, type WasmWorkerOptions } from './wasm-worker';
export type {
  IsolationLayer,
  KilledBy,
  RunCost,
  RunnableSkill,
  Worker,
  WorkerInput,
  WorkerProbe,
  WorkerResult,
  WorkerRunOptions,
} from './worker';
export {
  type RunIdentity,
  WORKER_RECORD_TYPES,
  type WorkerRecordType,
} from './worker-ledger';
export { createWorkerPool, runSkill, type WorkerPool, type WorkerPoolOptions } from './worker-pool';
