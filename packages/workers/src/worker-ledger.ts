import type { AuditLog, Signer } from '@karnel/core';
import type { CapabilityCheck } from './policy-gate';
import type { IsolationLayer, WorkerResult } from './worker';

/** The ledger record types workers write. */
export const WORKER_RECORD_TYPES = [
  'skill.run_started',
  'skill.run_refused',
  'skill.run_finished',
] as const;

/** One of {@link WORKER_RECORD_TYPES}. */
export type WorkerRecordType = (typeof WORKER_RECORD_TYPES)[number];

/** Who ran what: the part every record of a run shares. */
export interface RunIdentity {
  /** The run's id. */
  readonly runId: string;
  /** The skill's name. */
  readonly skill: string;
  /** The runtime. */
  readonly runtime: string;
  /** The actor policy was asked about. */
  readonly actor: string;
  /** SHA-256 of the entry file, when the runtime has one and it was hashed. */
  readonly entrySha256?: string;
  /**
   * Present when the run has no security boundary (isolation `process`): the warning, written
   * into every record of the run.
   */
  readonly unprotected?: string;
}

function workerIdentity(signer: Signer | undefined): Record<string, unknown> {
  return signer ? { worker: signer.did } : {};
}

/**
 * Records that a run passed its checks and is about to start, before anything runs: a crash of
 * the worker mid-run still leaves the checks and the intent in the ledger.
 */
export async function recordRunStarted(
  ledger: AuditLog | undefined,
  signer: Signer | undefined,
  identity: RunIdentity,
  checks: readonly CapabilityCheck[],
  isolation: readonly IsolationLayer[],
): Promise<void> {
  if (!ledger) return;
  await ledger.append(
    {
      type: 'skill.run_started',
      body: {
        ...identity,
        ...workerIdentity(signer),
        checks: checks.map((check) => ({ ...check })),
        isolation: [...isolation],
      },
    },
    signer ? { signer } : {},
  );
}

/** Records a run refused by policy or by the sandbox, with the checks that led there. */
export async function recordRunRefused(
  ledger: AuditLog | undefined,
  signer: Signer | undefined,
  identity: RunIdentity,
  result: WorkerResult,
): Promise<void> {
  if (!ledger) return;
  await ledger.append(
    {
      type: 'skill.run_refused',
      body: {
        ...identity,
        ...workerIdentity(signer),
        killedBy: result.killedBy ?? null,
        reason: result.reason ?? null,
        checks: result.checks.map((check) => ({ ...check })),
      },
    },
    signer ? { signer } : {},
  );
}

/** Records how a run ended: status, duration, bytes out and its cost. */
export async function recordRunFinished(
  ledger: AuditLog | undefined,
  signer: Signer | undefined,
  identity: RunIdentity,
  result: WorkerResult,
): Promise<void> {
  if (!ledger) return;
  await ledger.append(
    {
      type: 'skill.run_finished',
      body: {
        ...identity,
        ...workerIdentity(signer),
        ok: result.ok,
        exitCode: result.exitCode,
        killedBy: result.killedBy ?? null,
        reason: result.reason ?? null,
        durationMs: result.durationMs,
        outputBytes: result.cost.outputBytes,
        stderrBytes: Buffer.byteLength(result.stderr),
        cost: { ...result.cost },
      },
    },
    signer ? { signer } : {},
  );
}
