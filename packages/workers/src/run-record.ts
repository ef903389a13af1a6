import { readFile } from 'node:fs/promises';
import { createId, sha256Hex } from '@karnel/core';
import { type CapabilityCheck, checkCapabilities, firstRefusal } from './policy-gate';
import type { SandboxPlan } from './sandbox-plan';
import type {
  IsolationLayer,
  KilledBy,
  RunCost,
  WorkerInput,
  WorkerResult,
  WorkerRunOptions,
} from './worker';
import {
  type RunIdentity,
  recordRunFinished,
  recordRunRefused,
  recordRunStarted,
} from './worker-ledger';

/** The default largest output kept: 1 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** The bytes a run's input becomes: strings as UTF-8, bytes as they are, anything else as JSON. */
export function encodeInput(input: WorkerInput): Uint8Array {
  if (typeof input === 'string') return new TextEncoder().encode(input);
  if (input instanceof Uint8Array) return input;
  return new TextEncoder().encode(JSON.stringify(input ?? null));
}

/** A result for a run that never started. */
export function refusedResult({
  runId,
  killedBy,
  reason,
  checks,
  isolation,
  unprotected,
}: {
  runId: string;
  killedBy: KilledBy;
  reason: string;
  checks: readonly CapabilityCheck[];
  isolation: readonly IsolationLayer[];
  unprotected?: string | undefined;
}): WorkerResult {
  return {
    ok: false,
    runId,
    output: '',
    stderr: `karnel: ${reason}\n`,
    exitCode: null,
    durationMs: 0,
    killedBy,
    reason,
    checks,
    cost: { wallMs: 0, cpuMs: 0, peakMemoryBytes: 0, outputBytes: 0 },
    isolation,
    ...(unprotected ? { unprotected } : {}),
  };
}

/** How a run ended, as a worker saw it; the session adds the run's id, checks and warning. */
export interface RunOutcome {
  /** What the skill produced. */
  readonly output: string;
  /** Its error output and the worker's notes. */
  readonly stderr: string;
  /** The exit code; `null` when it was killed or never exited normally. */
  readonly exitCode: number | null;
  /** Wall-clock milliseconds. */
  readonly durationMs: number;
  /** Why it was stopped, when it was. */
  readonly killedBy?: KilledBy | undefined;
  /** One sentence on {@link RunOutcome.killedBy}. */
  readonly reason?: string | undefined;
  /** CPU and memory figures, where measured (0 otherwise). */
  readonly usage?: Partial<Pick<RunCost, 'cpuMs' | 'peakMemoryBytes'>>;
  /** The layers that were in force. */
  readonly isolation: readonly IsolationLayer[];
}

/**
 * Cuts `output` at `maxOutputBytes` (UTF-8): the rule every worker applies to what a skill
 * returns, with the reason to report when it had to cut.
 */
export function limitOutput(
  output: string,
  maxOutputBytes: number,
): { output: string; overflow?: string } {
  if (Buffer.byteLength(output) <= maxOutputBytes) return { output };
  return {
    output: Buffer.from(output).subarray(0, maxOutputBytes).toString('utf8'),
    overflow: `the output is longer than ${maxOutputBytes} bytes`,
  };
}

/** The identity, checks and bookkeeping of one run, shared by every worker. */
export interface RunSession {
  /** The run's id. */
  readonly runId: string;
  /** Who ran what, for the ledger. */
  readonly identity: RunIdentity;
  /** The capability checks, all allowed when {@link RunSession.refusal} is absent. */
  readonly checks: readonly CapabilityCheck[];
  /** The result to return when the run may not start. */
  readonly refusal?: WorkerResult;
  /** The warning of a run without a security boundary, carried by its result and records. */
  readonly unprotected?: string;
  /** Records the start in the ledger (call right before the skill starts). */
  started(isolation: readonly IsolationLayer[]): Promise<void>;
  /**
   * Builds the result from how the run ended (`ok` when it exited 0 and was not stopped),
   * records it in the ledger and returns it.
   */
  finish(outcome: RunOutcome): Promise<WorkerResult>;
}

/**
 * Opens a run: hashes the entry (`entryBytes` when the caller already holds the bytes it will
 * load), refuses it when the skill declares another digest, asks policy about every
 * capability the plan needs, and records a refusal in the ledger when something is denied.
 * `unprotected` marks a run without a security boundary: its result and every ledger record of
 * it carry the warning.
 */
export async function openRunSession(
  plan: SandboxPlan,
  options: WorkerRunOptions,
  isolation: readonly IsolationLayer[],
  { entryBytes, unprotected }: { entryBytes?: Uint8Array; unprotected?: string } = {},
): Promise<RunSession> {
  const runId = createId('run');
  let entrySha256: string | undefined;
  let digestProblem: string | undefined;
  const entryPath = plan.execution.entryAbsolute;
  if (entryPath) {
    try {
      entrySha256 = sha256Hex(entryBytes ?? (await readFile(entryPath)));
      if (plan.execution.sha256 && plan.execution.sha256 !== entrySha256) {
        digestProblem = `the entry ${plan.execution.entry} has SHA-256 ${entrySha256}, not the declared ${plan.execution.sha256}; refusing to run a changed file`;
      }
    } catch (error) {
      digestProblem = `the entry ${plan.execution.entry} cannot be read: ${(error as Error).message}`;
    }
  }
  const identity: RunIdentity = {
    runId,
    skill: plan.skillName,
    runtime: plan.execution.runtime,
    actor: plan.actor,
    ...(entrySha256 ? { entrySha256 } : {}),
    ...(unprotected ? { unprotected } : {}),
  };
  const checks = await checkCapabilities(plan.requests, {
    policy: options.policy,
    actor: plan.actor,
  });
  const denied = firstRefusal(checks);
  let refusal: WorkerResult | undefined;
  if (digestProblem) {
    refusal = refusedResult({
      runId,
      killedBy: 'sandbox',
      reason: digestProblem,
      checks,
      isolation,
      unprotected,
    });
  } else if (denied) {
    const verb = denied.effect === 'needs-approval' ? 'needs an approval first' : 'was denied';
    refusal = refusedResult({
      runId,
      killedBy: 'policy',
      reason: `${denied.capability} (${denied.source}) ${verb}: ${denied.reason}`,
      checks,
      isolation,
      unprotected,
    });
  }
  if (refusal) await recordRunRefused(options.ledger, options.signer, identity, refusal);
  return {
    runId,
    identity,
    checks,
    ...(refusal ? { refusal } : {}),
    ...(unprotected ? { unprotected } : {}),
    started: (layers) => recordRunStarted(options.ledger, options.signer, identity, checks, layers),
    finish: async (outcome) => {
      const result: WorkerResult = {
        ok: outcome.exitCode === 0 && outcome.killedBy === undefined,
        runId,
        output: outcome.output,
        stderr: outcome.stderr,
        exitCode: outcome.exitCode,
        durationMs: outcome.durationMs,
        ...(outcome.killedBy
          ? { killedBy: outcome.killedBy, ...(outcome.reason ? { reason: outcome.reason } : {}) }
          : {}),
        checks,
        cost: {
          wallMs: outcome.durationMs,
          cpuMs: outcome.usage?.cpuMs ?? 0,
          peakMemoryBytes: outcome.usage?.peakMemoryBytes ?? 0,
          outputBytes: Buffer.byteLength(outcome.output),
        },
        isolation: outcome.isolation,
        ...(unprotected ? { unprotected } : {}),
      };
      await recordRunFinished(options.ledger, options.signer, identity, result);
      return result;
    },
  };
}

/** Records a refusal found after the policy checks (a sandbox problem) and returns it. */
export async function refuseAfterChecks(
  session: RunSession,
  options: WorkerRunOptions,
  killedBy: KilledBy,
  reason: string,
  isolation: readonly IsolationLayer[],
): Promise<WorkerResult> {
  const result = refusedResult({
    runId: session.runId,
    killedBy,
    reason,
    checks: session.checks,
    isolation,
    unprotected: session.unprotected,
  });
  await recordRunRefused(options.ledger, options.signer, session.identity, result);
  return result;
}
