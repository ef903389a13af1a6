import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
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
import { z } from 'zod';
import { RUN_RECORD_TYPES } from '../run-records';

/** The lease file, relative to the group directory. */
export const LEASE_FILE = '.karnel/runtime.lease';

const leaseFileSchema = z.object({
  host: z.string(),
  pid: z.number().int(),
  token: z.string(),
  taken_at: z.string(),
  expires_at: z.string(),
});

/** Who holds a group's lease, as its lease file says. */
export interface LeaseHolder {
  /** The host the runtime runs on. */
  readonly host: string;
  /** Its process id. */
  readonly pid: number;
  /** When it took the lease. */
  readonly takenAt: string;
  /** When the lease runs out unless renewed. */
  readonly expiresAt: string;
}

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

const leaseFileMarker = Symbol.for('karnel.error.LeaseFileError');

/**
 * The group's lease file exists but cannot be read or is not a lease. The runtime writes it
 * atomically, so something else changed it: nobody can tell whether a runtime holds the group,
 * and no runtime starts until a person looks (and removes the file when none is running).
 */
export class LeaseFileError extends KarnelError {
  private readonly [leaseFileMarker] = true;

  constructor({ path, why }: { path: string; why: string }) {
    super({
      name: 'LeaseFileError',
      message: `${path}: ${why}; if no runtime is running this group, remove the file and start again`,
    });
  }

  /** Whether `error` is a {@link LeaseFileError} from any copy of this package. */
  static override isInstance(error: unknown): error is LeaseFileError {
    return KarnelError.hasMarker(error, 'karnel.error.LeaseFileError');
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

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the lease file of a group; `undefined` when there is none or it is unreadable garbage. */
export async function readGroupLease(dir: string): Promise<LeaseHolder | undefined> {
  const stored = await readLeaseFile(dir);
  return stored
    ? {
        host: stored.host,
        pid: stored.pid,
        takenAt: stored.taken_at,
        expiresAt: stored.expires_at,
      }
    : undefined;
}

async function readLeaseFile(dir: string) {
  const path = join(dir, LEASE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LeaseFileError({ path, why: `it cannot be read (${String(error)})` });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LeaseFileError({ path, why: 'it is not JSON' });
  }
  const parsed = leaseFileSchema.safeParse(value);
  if (!parsed.success)
    throw new LeaseFileError({
      path,
      why: 'it is not a lease (host, pid, token, taken_at, expires_at)',
    });
  return parsed.data;
}

/** Whether the lease `holder` is still in force at `now` as seen from `host`. */
export function isLeaseLive(holder: LeaseHolder, now: Date, host: string = hostname()): boolean {
  if (Date.parse(holder.expiresAt) <= now.getTime()) return false;
  // On this host a dead pid ends the lease at once; another host's lease lasts until it expires.
  return holder.host !== host || isProcessAlive(holder.pid);
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
      const holder = {
        host: current.host,
        pid: current.pid,
        takenAt: current.taken_at,
        expiresAt: current.expires_at,
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
