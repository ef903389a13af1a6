import { readFile } from 'node:fs/promises';
import { Worker as ThreadWorker } from 'node:worker_threads';
import { SandboxUnavailableError } from './errors';
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  encodeInput,
  limitOutput,
  openRunSession,
  refuseAfterChecks,
} from './run-record';
import { planSandbox } from './sandbox-plan';
import { capWasmMemory, WASM_PAGE_BYTES } from './wasm-module';
import { WASM_THREAD_SOURCE } from './wasm-thread';
import type {
  IsolationLayer,
  KilledBy,
  RunnableSkill,
  Worker,
  WorkerInput,
  WorkerProbe,
  WorkerResult,
  WorkerRunOptions,
} from './worker';

/** Options of {@link createWasmWorker}. */
export interface WasmWorkerOptions {
  /** The export called for a run (Extism convention: no parameters, an `i32` status). Default `run`. */
  readonly functionName?: string;
  /**
   * The JavaScript heap of the thread the module runs in, in megabytes (Extism's bookkeeping,
   * not the module's memory, which the sandbox caps). Default 64.
   */
  readonly threadHeapMb?: number;
}

/** The Extism host functions a module may import; anything else is refused before it loads. */
export const EXTISM_HOST_FUNCTIONS: readonly string[] = [
  'alloc',
  'free',
  'load_u8',
  'load_u64',
  'store_u8',
  'store_u64',
  'input_offset',
  'input_length',
  'input_load_u8',
  'input_load_u64',
  'output_set',
  'error_set',
  'config_get',
  'var_get',
  'var_set',
  'http_request',
  'http_status_code',
  'length',
  'length_unsafe',
  'log_warn',
  'log_info',
  'log_debug',
  'log_error',
];

const LAYERS: readonly IsolationLayer[] = [
  'wasm-memory-cap',
  'wasm-thread',
  'extism-host',
  'kill-timer',
];

interface ThreadReply {
  ok: boolean;
  output?: Uint8Array;
  kind?: 'memory' | 'policy' | 'crash';
  message?: string;
  logs: string[];
}

class WasmWorker implements Worker {
  readonly specificationVersion = 'v1' as const;
  readonly runtime = 'wasm' as const;
  readonly #functionName: string;
  readonly #threadHeapMb: number;

  constructor(functionName: string, threadHeapMb: number) {
    this.#functionName = functionName;
    this.#threadHeapMb = threadHeapMb;
  }

  async probe(): Promise<WorkerProbe> {
    return {
      runtime: 'wasm',
      available: typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object',
      layers: LAYERS,
      bubblewrap: false,
      interpreter: { path: process.execPath, version: `V8 ${process.versions.v8}` },
      notes: [
        'WebAssembly runs in a thread of this process; the module has no ambient authority, only its imports',
      ],
    };
  }

  async run(
    skill: RunnableSkill,
    input: WorkerInput,
    options: WorkerRunOptions = {},
  ): Promise<WorkerResult> {
    const plan = await planSandbox(skill, 'wasm', options);
    const sandbox = plan.execution.sandbox;
    const unmet: string[] = [];
    if (sandbox.network === 'enabled') {
      unmet.push(
        'the wasm worker cannot grant network access (Extism runs in the foreground and has no synchronous HTTP)',
      );
    }
    const readOnly = plan.read.filter(
      (scope) => !plan.write.some((write) => write.path === scope.path),
    );
    if (readOnly.length > 0) {
      unmet.push(
        `Node's WASI cannot mount a folder read-only, so read-only scopes (${readOnly.map((scope) => scope.path).join(', ')}) cannot be honoured; declare them as write scopes or use another runtime`,
      );
    }
    if (!plan.execution.entryAbsolute) unmet.push('the skill has no entry file');
    if (unmet.length > 0) throw new SandboxUnavailableError({ runtime: 'wasm', unmet });

    // The digest is checked on the very bytes that are instantiated: nothing can swap the file
    // between the check and the load.
    const original = new Uint8Array(await readFile(plan.execution.entryAbsolute!));
    const session = await openRunSession(plan, options, LAYERS, { entryBytes: original });
    if (session.refusal) return session.refusal;
    if (!plan.execution.sha256) {
      return refuseAfterChecks(
        session,
        options,
        'sandbox',
        'a wasm skill must declare the sha256 of its module',
        LAYERS,
      );
    }
    const maxPages = Math.max(
      1,
      Math.floor((sandbox.max_memory_mb * 1024 * 1024) / WASM_PAGE_BYTES),
    );
    const capped = capWasmMemory(original, maxPages);
    if (!capped.ok) return refuseAfterChecks(session, options, 'sandbox', capped.reason, LAYERS);
    const usesWasi = capped.imports.some((entry) => entry.module === 'wasi_snapshot_preview1');
    const foreign = capped.imports.find(
      (entry) =>
        !(entry.module === 'extism:host/env' && EXTISM_HOST_FUNCTIONS.includes(entry.name)) &&
        entry.module !== 'wasi_snapshot_preview1',
    );
    if (foreign) {
      return refuseAfterChecks(
        session,
        options,
        'policy',
        `the module imports ${foreign.module}.${foreign.name}, a host function this worker does not grant`,
        LAYERS,
      );
    }
    const allowedPaths = Object.fromEntries(plan.write.map((scope) => [scope.path, scope.real]));

    await session.started(LAYERS);
    const started = performance.now();
    const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const outcome = await new Promise<{
      reply?: ThreadReply;
      killedBy?: KilledBy;
      message?: string;
    }>((resolve) => {
      const thread = new ThreadWorker(
        new URL(`data:text/javascript,${encodeURIComponent(WASM_THREAD_SOURCE)}`),
        {
          workerData: {
            extismUrl: import.meta.resolve('@extism/extism'),
            bytes: capped.bytes,
            input: encodeInput(input),
            functionName: this.#functionName,
            hostBudgetBytes: sandbox.max_memory_mb * 1024 * 1024,
            useWasi: usesWasi,
            allowedPaths,
          },
          resourceLimits: {
            maxOldGenerationSizeMb: this.#threadHeapMb,
            maxYoungGenerationSizeMb: 16,
            stackSizeMb: 4,
          },
          env: {},
          stdout: true,
          stderr: true,
        },
      );
      let settled = false;
      const finish = (value: { reply?: ThreadReply; killedBy?: KilledBy; message?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        void thread.terminate();
        resolve(value);
      };
      const timer = setTimeout(
        () =>
          finish({
            killedBy: 'timeout',
            message: `killed after ${sandbox.timeout_ms} ms, the sandbox's time limit`,
          }),
        sandbox.timeout_ms,
      );
      const onAbort = () => finish({ killedBy: 'signal', message: 'stopped by the caller' });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) onAbort();
      thread.on('message', (reply: ThreadReply) => finish({ reply }));
      thread.on('error', (error: Error & { code?: string }) =>
        finish({
          killedBy: error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash',
          message: error.message,
        }),
      );
      thread.on('exit', () =>
        finish({ killedBy: 'crash', message: 'the WebAssembly thread exited without an answer' }),
      );
    });
    const durationMs = Math.round(performance.now() - started);
    const reply = outcome.reply;
    const limited = limitOutput(
      reply?.output ? Buffer.from(reply.output).toString('utf8') : '',
      maxOutputBytes,
    );
    const killedBy: KilledBy | undefined = limited.overflow
      ? 'output'
      : (outcome.killedBy ?? (reply && !reply.ok ? (reply.kind ?? 'crash') : undefined));
    const reason =
      limited.overflow ?? outcome.message ?? (reply && !reply.ok ? reply.message : undefined);
    const stderr = [...(reply?.logs ?? []), ...(reason ? [`karnel: ${reason}`] : [])].join('\n');
    return session.finish({
      output: limited.output,
      stderr: stderr ? `${stderr}\n` : '',
      exitCode: killedBy === undefined && reply?.ok ? 0 : null,
      durationMs,
      killedBy,
      reason,
      isolation: LAYERS,
    });
  }
}

/**
 * Creates the worker that runs `runtime: wasm` skills: the module's digest is checked on the
 * bytes that are loaded, its memory maximum is rewritten to the sandbox's cap, its imports are
 * checked against what the host grants (Extism's host functions, WASI with only the write scopes
 * preopened), and it runs through Extism's JS SDK in a thread with a heap limit that is
 * terminated at the time limit.
 */
export function createWasmWorker({
  functionName = 'run',
  threadHeapMb = 64,
}: WasmWorkerOptions = {}): Worker {
  return new WasmWorker(functionName, threadHeapMb);
}
