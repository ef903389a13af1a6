import { realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { probeHost } from './host-probe';
import { nodeGuardSource } from './node-guard';
import {
  type IsolationMode,
  probeSubprocessWorker,
  runSubprocessSkill,
  type SubprocessRuntime,
} from './subprocess-run';
import type {
  RunnableSkill,
  Worker,
  WorkerInput,
  WorkerProbe,
  WorkerResult,
  WorkerRunOptions,
} from './worker';

/**
 * Memory V8 reserves at start-up as private writable mappings (its code range and heap
 * reservations) before a skill allocates anything. `RLIMIT_DATA` counts reservations, not use,
 * so the limit is the cap plus this; the resident-memory watchdog enforces the cap itself.
 */
export const NODE_RESERVATION_MB = 1024;

/** Options of {@link createNodeWorker}. */
export interface NodeWorkerOptions {
  /** The Node.js binary that runs skills. Default: the one running this process. */
  readonly nodePath?: string;
  /** Which isolation layers to use. Default `auto`. */
  readonly isolation?: IsolationMode;
}

const MEMORY_PATTERNS = [
  /heap out of memory/i,
  /Fatal process out of memory/i,
  /Failed to reserve virtual memory/i,
  /ERR_MEMORY_ALLOCATION_FAILED/,
  /Array buffer allocation failed/,
];

class NodeWorker implements Worker {
  readonly specificationVersion = 'v1' as const;
  readonly runtime = 'node' as const;
  readonly #nodePath: string;
  readonly #isolation: IsolationMode;
  #probe: Promise<WorkerProbe> | undefined;

  constructor(nodePath: string, isolation: IsolationMode) {
    this.#nodePath = nodePath;
    this.#isolation = isolation;
  }

  probe(): Promise<WorkerProbe> {
    this.#probe ??= probeHost().then((host) =>
      probeSubprocessWorker({
        runtime: 'node',
        host,
        isolation: this.#isolation,
        runtimeLayers: ['node-permission', 'node-signal-guard', 'node-net-guard'],
        interpreter: { path: this.#nodePath, version: process.version },
      }),
    );
    return this.#probe;
  }

  async run(
    skill: RunnableSkill,
    input: WorkerInput,
    options: WorkerRunOptions = {},
  ): Promise<WorkerResult> {
    const host = await probeHost();
    const nodePath = await realpath(this.#nodePath);
    const runtime: SubprocessRuntime = {
      runtime: 'node',
      interpreterRoots: [dirname(dirname(nodePath))],
      minimumMemoryMb: 48,
      command: ({ plan, folders, readPaths, writePaths }) => {
        const network = plan.execution.sandbox.network === 'enabled';
        const memoryMb = plan.execution.sandbox.max_memory_mb;
        const args = [
          '--permission',
          ...[folders.runDir, ...readPaths, ...writePaths].map((path) => `--allow-fs-read=${path}`),
          ...[folders.workDir, ...writePaths].map((path) => `--allow-fs-write=${path}`),
          `--max-old-space-size=${memoryMb}`,
          `--import=${join(folders.runDir, 'guard.mjs')}`,
          plan.execution.entryAbsolute!,
        ];
        return {
          file: nodePath,
          args,
          files: { 'guard.mjs': nodeGuardSource({ network }) },
          layers: [
            'node-permission',
            'node-signal-guard',
            ...(network ? [] : (['node-net-guard'] as const)),
          ],
          rlimits: [`--data=${(memoryMb + NODE_RESERVATION_MB) * 1024 * 1024}`],
          watchdogBytes: memoryMb * 1024 * 1024,
          diedOfMemory: (stderr) => MEMORY_PATTERNS.some((pattern) => pattern.test(stderr)),
        };
      },
    };
    return runSubprocessSkill(runtime, host, this.#isolation, skill, input, options);
  }
}

/**
 * Creates the worker that runs `runtime: node` skills as subprocesses: Node's permission model
 * (filesystem scope, no child processes, workers, addons or inspector), guards for signals and the network, a clean
 * environment, a scratch working folder, `--max-old-space-size` plus `RLIMIT_DATA` and a memory
 * watchdog, a kill timer, and bubblewrap's namespaces with a seccomp program that denies new
 * processes (required unless `isolation: 'process'` opts out of the security boundary).
 */
export function createNodeWorker({
  nodePath = process.execPath,
  isolation = 'auto',
}: NodeWorkerOptions = {}): Worker {
  return new NodeWorker(nodePath, isolation);
}
