import type { SkillRuntime } from '@karnel/skills';
import { WrongRuntimeError } from './errors';
import { createNativeWorker } from './native-worker';
import { createNodeWorker } from './node-worker';
import { createPythonWorker } from './python-worker';
import type { IsolationMode } from './subprocess-run';
import { createWasmWorker } from './wasm-worker';
import type {
  RunnableSkill,
  Worker,
  WorkerInput,
  WorkerProbe,
  WorkerResult,
  WorkerRunOptions,
} from './worker';

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Workers to use instead of the defaults, by runtime. */
  readonly workers?: Partial<Record<SkillRuntime, Worker>>;
  /** The isolation mode of the default node and python workers. Default `auto`. */
  readonly isolation?: IsolationMode;
}

/** One worker per runtime, chosen by each skill's `execution.runtime`. */
export interface WorkerPool {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** The worker of `runtime` (created on first use). */
  worker(runtime: SkillRuntime): Worker;
  /** Runs `skill` on the worker of its runtime. */
  run(skill: RunnableSkill, input: WorkerInput, options?: WorkerRunOptions): Promise<WorkerResult>;
  /** Probes every runtime's worker. */
  probe(): Promise<WorkerProbe[]>;
}

const RUNTIMES: readonly SkillRuntime[] = ['native', 'node', 'python', 'wasm'];

/**
 * Creates a pool that picks the worker by runtime. Default workers are created lazily, so a
 * pool that only ever runs WebAssembly never looks for Python.
 */
export function createWorkerPool({
  workers = {},
  isolation = 'auto',
}: WorkerPoolOptions = {}): WorkerPool {
  const created = new Map<SkillRuntime, Worker>(
    Object.entries(workers) as [SkillRuntime, Worker][],
  );
  const factories: Record<SkillRuntime, () => Worker> = {
    native: () => createNativeWorker(),
    node: () => createNodeWorker({ isolation }),
    python: () => createPythonWorker({ isolation }),
    wasm: () => createWasmWorker(),
  };
  const worker = (runtime: SkillRuntime): Worker => {
    let found = created.get(runtime);
    if (!found) {
      found = factories[runtime]();
      created.set(runtime, found);
    }
    return found;
  };
  return {
    specificationVersion: 'v1',
    worker,
    run: (skill, input, options) => {
      const runtime = skill.execution?.runtime;
      if (!runtime)
        throw new WrongRuntimeError({ skill: skill.name, expected: 'any', actual: undefined });
      return worker(runtime).run(skill, input, options);
    },
    probe: () => Promise.all(RUNTIMES.map((runtime) => worker(runtime).probe())),
  };
}

let defaultPool: WorkerPool | undefined;

/**
 * Runs `skill` with `input` on the worker of its runtime, from a shared default pool unless
 * `options.pool` is given. The shortest way to run a loaded skill.
 */
export function runSkill(
  skill: RunnableSkill,
  input: WorkerInput,
  options: WorkerRunOptions & { readonly pool?: WorkerPool } = {},
): Promise<WorkerResult> {
  const { pool, ...runOptions } = options;
  defaultPool ??= createWorkerPool();
  return (pool ?? defaultPool).run(skill, input, runOptions);
}
