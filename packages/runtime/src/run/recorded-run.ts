import { join } from 'node:path';
import { KarnelError, openInside, sha256Hex } from '@karnel/core';
import type { Ledger, LedgerEntry } from '@karnel/ledger';
import type { z } from 'zod';
import { RUN_RECORD_TYPES, runParkedSchema, runResumedSchema, runStepSchema } from '../run-records';

/** One recorded step of a run, as the chain committed it. */
export type RecordedStep = z.infer<typeof runStepSchema>;

/** What the ledger holds about one run. */
export interface RecordedRun {
  /** Whether `run.started` was written. */
  readonly started: boolean;
  /** Whether `run.finished` was written. */
  readonly finished: boolean;
  /** Every step, in order, each checked against the digest its entry committed. */
  readonly steps: readonly RecordedStep[];
  /** Costs settled by earlier executions that parked (exact decimals). */
  readonly parkedCosts: readonly string[];
  /** The treasury reservations earlier executions were paid from, oldest first. */
  readonly reservations: readonly string[];
}

const recordedRunMarker = Symbol.for('karnel.error.RecordedRunError');

/** A run's recorded steps do not match what the ledger committed: they were edited. */
export class RecordedRunError extends KarnelError {
  private readonly [recordedRunMarker] = true;
  /** The run. */
  readonly runId: string;

  constructor({ runId, message }: { runId: string; message: string }) {
    super({ name: 'RecordedRunError', message });
    this.runId = runId;
  }

  /** Whether `error` is a {@link RecordedRunError} from any copy of this package. */
  static override isInstance(error: unknown): error is RecordedRunError {
    return KarnelError.hasMarker(error, 'karnel.error.RecordedRunError');
  }
}

/** Reads committed bytes of a ledger file, only inside the ledger folder `root`. */
async function readSlice(
  root: string,
  path: string,
  offset: number,
  size: number,
): Promise<Buffer> {
  const handle = await openInside(root, path);
  try {
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Reads what the ledger holds about `runId`: its steps are taken from `runs/<id>/steps.jsonl`
 * only as far as the chain commits them — each line must hash to the digest of its `run.step`
 * entry — so a step edited on disk is refused, never replayed.
 *
 * @throws {RecordedRunError} when a step's bytes do not match the chain.
 */
export async function readRecordedRun(
  ledger: Pick<Ledger, 'dir' | 'entries'>,
  runId: string,
): Promise<RecordedRun> {
  let started = false;
  let finished = false;
  const stepEntries: LedgerEntry[] = [];
  const parkedCosts: string[] = [];
  const reservations: string[] = [];
  let startEntry: LedgerEntry | undefined;
  for await (const entry of ledger.entries({ type: 'run' })) {
    const body = entry.body;
    if (entry.type === RUN_RECORD_TYPES.runResumed) {
      const resumed = runResumedSchema.safeParse(body);
      if (resumed.success && resumed.data.runId === runId && resumed.data.reservationId)
        reservations.push(resumed.data.reservationId);
      continue;
    }
    if (entry.type === RUN_RECORD_TYPES.runParked) {
      const parked = runParkedSchema.safeParse(body);
      if (parked.success && parked.data.runId === runId && parked.data.cost)
        parkedCosts.push(parked.data.cost);
      continue;
    }
    if (body.run_id !== runId) continue;
    if (entry.type === RUN_RECORD_TYPES.runStarted) {
      started = true;
      startEntry = entry;
    } else if (entry.type === RUN_RECORD_TYPES.runFinished) finished = true;
    else if (entry.type === RUN_RECORD_TYPES.runStep) stepEntries.push(entry);
  }
  const manifestDigest = startEntry?.files[0];
  if (manifestDigest) {
    const bytes = await readSlice(
      ledger.dir,
      join(ledger.dir, manifestDigest.path),
      manifestDigest.offset,
      manifestDigest.size,
    );
    if (bytes.length !== manifestDigest.size || sha256Hex(bytes) !== manifestDigest.sha256)
      throw new RecordedRunError({
        runId,
        message: `${manifestDigest.path} does not match ledger entry ${startEntry!.seq}: the file was changed`,
      });
    // The ledger adds `id` and `started_at` to the manifest it was given.
    const manifest = JSON.parse(bytes.toString('utf8')) as { reservationId?: unknown };
    if (typeof manifest.reservationId === 'string') reservations.unshift(manifest.reservationId);
  }
  const steps: RecordedStep[] = [];
  for (const entry of stepEntries) {
    const digest = entry.files[0];
    if (!digest)
      throw new RecordedRunError({ runId, message: `step entry ${entry.seq} commits no file` });
    const bytes = await readSlice(
      ledger.dir,
      join(ledger.dir, digest.path),
      digest.offset,
      digest.size,
    );
    if (bytes.length !== digest.size || sha256Hex(bytes) !== digest.sha256) {
      throw new RecordedRunError({
        runId,
        message: `step ${steps.length} of run ${runId} in ${digest.path} does not match ledger entry ${entry.seq}: the file was changed`,
      });
    }
    const parsed = runStepSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    if (!parsed.success || parsed.data.runId !== runId || parsed.data.step !== steps.length) {
      throw new RecordedRunError({
        runId,
        message: `step ${steps.length} of run ${runId} (ledger entry ${entry.seq}) is not a run step`,
      });
    }
    steps.push(parsed.data);
  }
  return { started, finished, steps, parkedCosts, reservations };
}
