import { realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createId, InvalidArgumentError, isWithin } from '@karnel/core';
import type { NativeOperation } from './native-operation';
import { defaultNativeOperations } from './native-operations';
import type { CapabilityRequest } from './policy-gate';
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  limitOutput,
  openRunSession,
  refuseAfterChecks,
} from './run-record';
import { planSandbox } from './sandbox-plan';
import type {
  IsolationLayer,
  RunnableSkill,
  Worker,
  WorkerInput,
  WorkerProbe,
  WorkerResult,
  WorkerRunOptions,
} from './worker';

/** Options of {@link createNativeWorker}. */
export interface NativeWorkerOptions {
  /** The trusted operations skills may name as their entry. Default {@link defaultNativeOperations}. */
  readonly operations?: readonly NativeOperation[];
}

const LAYERS: readonly IsolationLayer[] = ['native-path-check', 'kill-timer'];

function parseInput(input: WorkerInput): unknown {
  if (typeof input === 'string') return input.trim() === '' ? {} : JSON.parse(input);
  if (input instanceof Uint8Array) return parseInput(new TextDecoder().decode(input));
  return input;
}

async function realOrLexical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    // Not there yet (an output file): its folder decides where it would land.
    try {
      return resolve(await realpath(dirname(path)), path.slice(dirname(path).length + 1));
    } catch {
      return path;
    }
  }
}

class NativeWorker implements Worker {
  readonly specificationVersion = 'v1' as const;
  readonly runtime = 'native' as const;
  readonly #operations: ReadonlyMap<string, NativeOperation>;

  constructor(operations: readonly NativeOperation[]) {
    const map = new Map<string, NativeOperation>();
    for (const operation of operations) {
      if (map.has(operation.name)) {
        throw new InvalidArgumentError({
          argument: 'operations',
          value: operation.name,
          message: `"${operation.name}" is registered twice`,
        });
      }
      map.set(operation.name, operation);
    }
    this.#operations = map;
  }

  async probe(): Promise<WorkerProbe> {
    return {
      runtime: 'native',
      available: true,
      layers: LAYERS,
      bubblewrap: false,
      notes: [`trusted operations run in this process: ${[...this.#operations.keys()].join(', ')}`],
    };
  }

  async run(
    skill: RunnableSkill,
    input: WorkerInput,
    options: WorkerRunOptions = {},
  ): Promise<WorkerResult> {
    const plan = await planSandbox(skill, 'native', options);
    const cwd = resolve(options.cwd ?? process.cwd());
    const operation = this.#operations.get(plan.execution.entry);
    const inputError = (message: string): WorkerResult => ({
      ok: false,
      runId: createId('run'),
      output: '',
      stderr: `karnel: ${message}\n`,
      exitCode: 2,
      durationMs: 0,
      checks: [],
      cost: { wallMs: 0, cpuMs: 0, peakMemoryBytes: 0, outputBytes: 0 },
      isolation: LAYERS,
    });
    if (!operation) {
      return inputError(
        `no native operation named "${plan.execution.entry}" is registered (known: ${[...this.#operations.keys()].join(', ')})`,
      );
    }
    let parsed: unknown;
    try {
      parsed = operation.input.parse(parseInput(input));
    } catch (error) {
      return inputError(`the input of ${operation.name} is invalid: ${(error as Error).message}`);
    }
    const needs = operation.needs(parsed, cwd);
    const touched = {
      read: await Promise.all((needs.read ?? []).map(realOrLexical)),
      write: await Promise.all((needs.write ?? []).map(realOrLexical)),
    };
    const requests: CapabilityRequest[] = [
      ...plan.requests,
      ...touched.read.map((path) => ({
        capability: `fs.read:${path}`,
        source: 'native-path' as const,
      })),
      ...touched.write.map((path) => ({
        capability: `fs.write:${path}`,
        source: 'native-path' as const,
      })),
      ...(needs.capabilities ?? []).map((capability) => ({
        capability,
        source: 'native-path' as const,
      })),
    ];
    const session = await openRunSession({ ...plan, requests }, options, LAYERS);
    if (session.refusal) return session.refusal;
    // Policy said yes to the paths; the skill's own declared scope must cover them too, so a
    // native skill cannot be pointed anywhere a broad policy happens to allow.
    const readRoots = [...plan.read, ...plan.write].map((scope) => scope.real);
    const writeRoots = plan.write.map((scope) => scope.real);
    const outside =
      touched.read.find((path) => !readRoots.some((root) => isWithin(root, path))) ??
      touched.write.find((path) => !writeRoots.some((root) => isWithin(root, path)));
    if (outside) {
      return refuseAfterChecks(
        session,
        options,
        'policy',
        `${operation.name} would touch ${outside}, which is outside the skill's filesystem scope`,
        LAYERS,
      );
    }
    await session.started(LAYERS);
    const controller = new AbortController();
    const timeoutMs = plan.execution.sandbox.timeout_ms;
    const started = performance.now();
    let killedBy: 'timeout' | 'signal' | 'crash' | 'output' | undefined;
    let reason: string | undefined;
    let output = '';
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const value = await Promise.race([
        operation.run(parsed, { signal: controller.signal, cwd }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            killedBy = 'timeout';
            controller.abort(new Error('timeout'));
            reject(new Error(`stopped after ${timeoutMs} ms, the sandbox's time limit`));
          }, timeoutMs);
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
            once: true,
          });
        }),
      ]);
      output = `${JSON.stringify(value ?? null)}\n`;
    } catch (error) {
      killedBy ??= options.signal?.aborted ? 'signal' : 'crash';
      reason = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    const limited = limitOutput(output, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    if (limited.overflow) {
      killedBy = 'output';
      reason = limited.overflow;
    }
    return session.finish({
      output: limited.output,
      stderr: reason ? `karnel: ${reason}\n` : '',
      exitCode: killedBy === undefined ? 0 : killedBy === 'crash' ? 1 : null,
      durationMs: Math.round(performance.now() - started),
      killedBy,
      reason,
      isolation: LAYERS,
    });
  }
}

/**
 * Creates the worker for `runtime: native` skills: trusted TypeScript operations run in this
 * process. Nothing isolates them; instead each declares the paths and capabilities it touches
 * for its input, and the worker asks policy about every one and checks each path against the
 * skill's declared filesystem scope before the operation runs.
 */
export function createNativeWorker({
  operations = defaultNativeOperations,
}: NativeWorkerOptions = {}): Worker {
  return new NativeWorker(operations);
}
