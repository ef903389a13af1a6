import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  type AuditLog,
  type Clock,
  KarnelError,
  systemClock,
  withFileLock,
  writeFileAtomic,
} from '@karnel/core';
import { RUN_RECORD_TYPES } from '../run-records';
import { isLeaseLive, LEASE_FILE, type LeaseHolder, readLeaseFile } from './lease-file';

export {
  isLeaseLive,
  LEASE_FILE,
  LeaseFileError,
  type LeaseHolder,
  readGroupLease,
} from './lease-file';

const leaseHeldMarker = Symbol.for('karnel.error.LeaseHeldError');

/** Another runtime holds the group's lease: only one runtime may run a group. */
export class LeaseHeldError extends KarnelError {
  private readonly [leaseHeldMarker] = true;
  /** The runtime that holds it. */
  readonly holder: LeaseHolder;

  constructor({ dir, holder }: { dir: string; holder: LeaseHolder }) {
    super({
      name: 'LeaseHeldError',
      message: `another runtime is running ${dir}: pid ${holder.pid} on ${holder.host} holds its lease until ${holder.expiresAt}; stop it first`,
    });
    this.holder = holder;
  }

  /** Whether `error` is a {@link LeaseHeldError} from any copy of this package. */
  static override isInstance(error: unknown): error is LeaseHeldError {
    return KarnelError.hasMarker(error, 'karnel.error.LeaseHeldError');
  }
}

/** A held lease on a group. */
export interface GroupLease {
  /** This runtime's host and pid. */
  readonly holder: LeaseHolder;
  /** The runtime whose stale lease was taken over, if any. */
  readonly tookOverFrom?: {
    /** The host that held the stale lease. */
    readonly host: string;
    /** The process id that held it. */
    readonly pid: number;
  };
  /** Extends the lease; resolves `false` when another runtime took it meanwhile. */
  renew(): Promise<boolean>;
  /** Gives the lease up (removes the file, records `runtime.lease_released`). */
  release(): Promise<void>;
}

/** Options of {@link acquireGroupLease}. */
export interface AcquireGroupLeaseOptions {
  /** The group directory. */
  readonly dir: string;
  /** Where `runtime.lease_taken` and `runtime.lease_released` are recorded (the group ledger). */
  readonly ledger: AuditLog;
  /** Where times come from. Default: the system clock. */
  readonly clock?: Clock;
  /** How long the lease lasts without renewal. Default 60 000 ms. */
  readonly ttlMs?: number;
  /** This runtime's process id. Default `process.pid`. */
  readonly pid?: number;
  /** This runtime's host name. Default `os.hostname()`. */
  readonly host?: string;
}

/**
 * Takes the group's runtime lease (`.karnel/runtime.lease`: host, pid, expiry). A stale lease —
 * its process is gone from this host, or it expired — is taken over, and the takeover is
 * recorded in the ledger; a live one is refused.
 *
 * @throws {LeaseHeldError} when another runtime holds a live lease.
 */
export async function acquireGroupLease({
  dir,
  ledger,
  clock = systemClock,
  ttlMs = 60_000,
  pid = process.pid,
  host = hostname(),
}: AcquireGroupLeaseOptions): Promise<GroupLease> {
  await mkdir(join(dir, '.karnel'), { recursive: true });
  const path = join(dir, LEASE_FILE);
  const token = randomBytes(12).toString('hex');
  const takenAt = clock.now().toISOString();
  const write = (expiresAt: string) =>
    writeFileAtomic(
      path,
      `${JSON.stringify({ host, pid, token, taken_at: takenAt, expires_at: expiresAt })}\n`,
    );
  const expiry = () => new Date(clock.now().getTime() + ttlMs).toISOString();

  let tookOverFrom: { host: string; pid: number } | undefined;
  let expiresAt = expiry();
  await withFileLock(`${path}.lock`, async () => {
    const current = await readLeaseFile(dir);
    if (current) {
      const holder: LeaseHolder = {
        host: current.host,
        pid: current.pid,
        takenAt: current.takenAt,
        expiresAt: current.expiresAt,
      };
      if (isLeaseLive(holder, clock.now(), host)) throw new LeaseHeldError({ dir, holder });
      tookOverFrom = { host: current.host, pid: current.pid };
    }
    expiresAt = expiry();
    await write(expiresAt);
  });
  await ledger.append({
    type: RUN_RECORD_TYPES.leaseTaken,
    body: { host, pid, ...(tookOverFrom ? { tookOverFrom } : {}) },
  });

  let released = false;
  return {
    get holder() {
      return { host, pid, takenAt, expiresAt };
    },
    ...(tookOverFrom ? { tookOverFrom } : {}),
    async renew() {
      if (released) return false;
      return withFileLock(`${path}.lock`, async () => {
        const current = await readLeaseFile(dir);
        if (current?.token !== token) return false;
        expiresAt = expiry();
        await write(expiresAt);
        return true;
      });
    },
    async release() {
      if (released) return;
      released = true;
      const ours = await withFileLock(`${path}.lock`, async () => {
        const current = await readLeaseFile(dir);
        if (current?.token !== token) return false;
        await rm(path, { force: true });
        return true;
      });
      if (ours) await ledger.append({ type: RUN_RECORD_TYPES.leaseReleased, body: { host, pid } });
    },
  };
}
