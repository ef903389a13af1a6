import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { KarnelError, openInside } from '@karnel/core';
import { z } from 'zod';

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

/** A lease as stored: its holder and the token only the runtime that wrote it knows. */
export interface StoredLease extends LeaseHolder {
  /** Tells the runtime that took the lease from one that took it over later. */
  readonly token: string;
}

const leaseFileMarker = Symbol.for('karnel.error.LeaseFileError');

/**
 * The group's lease file exists but cannot be read or is not a lease. The runtime writes it
 * atomically, so something else changed it: nobody can tell whether a runtime holds the group,
 * and no runtime starts (nor is the group exported) until a person looks, and removes the file
 * when none is running.
 */
export class LeaseFileError extends KarnelError {
  private readonly [leaseFileMarker] = true;
  /** The lease file. */
  readonly path: string;

  constructor({ path, why }: { path: string; why: string }) {
    super({
      name: 'LeaseFileError',
      message: `${path}: ${why}; if no runtime is running this group, remove the file and start again`,
    });
    this.path = path;
  }

  /** Whether `error` is a {@link LeaseFileError} from any copy of this package. */
  static override isInstance(error: unknown): error is LeaseFileError {
    return KarnelError.hasMarker(error, 'karnel.error.LeaseFileError');
  }
}

/** The largest lease file read. */
const MAX_LEASE_BYTES = 64 * 1024;

/**
 * Reads the lease file of the group in `dir` — the one reader of `.karnel/runtime.lease` the
 * scheduler, `karnel status` and migration share.
 *
 * @returns `undefined` when there is no lease file.
 * @throws {LeaseFileError} when the file cannot be read or is not a lease.
 */
export async function readLeaseFile(dir: string): Promise<StoredLease | undefined> {
  const path = join(dir, LEASE_FILE);
  let text: string;
  try {
    // A lease is a few hundred bytes: a file far larger was not written by a runtime, and is
    // never read whole.
    // Inside the group only: a lease file linked elsewhere is unreadable, never parsed.
    const handle = await openInside(dir, path);
    try {
      const size = (await handle.stat()).size;
      if (size > MAX_LEASE_BYTES)
        throw new LeaseFileError({
          path,
          why: `it is ${size} bytes, far more than a lease (at most ${MAX_LEASE_BYTES})`,
        });
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (LeaseFileError.isInstance(error)) throw error;
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
  const stored = parsed.data;
  return {
    host: stored.host,
    pid: stored.pid,
    token: stored.token,
    takenAt: stored.taken_at,
    expiresAt: stored.expires_at,
  };
}

/**
 * Reads who holds the group's lease.
 *
 * @returns `undefined` when there is no lease file.
 * @throws {LeaseFileError} when the file cannot be read or is not a lease.
 */
export async function readGroupLease(dir: string): Promise<LeaseHolder | undefined> {
  const stored = await readLeaseFile(dir);
  return stored
    ? { host: stored.host, pid: stored.pid, takenAt: stored.takenAt, expiresAt: stored.expiresAt }
    : undefined;
}

/** Where and when a lease is judged (tests pass their own). */
export interface LeaseJudgeOptions {
  /** The current time. Default: now. */
  readonly now?: Date;
  /** This machine's host name. Default: `os.hostname()`. */
  readonly hostname?: string;
  /** Whether a process id is alive on this host. Default: `process.kill(pid, 0)`. */
  readonly isAlive?: (pid: number) => boolean;
}

/** Whether a lease is still in force, and why, one sentence. */
export interface LeaseJudgement {
  /** True while the lease blocks another runtime (and a hand-off). */
  readonly live: boolean;
  /** Why. */
  readonly why: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Judges a lease: an expired one is stale; on this host, one whose process is dead is stale
 * at once; another host's unexpired lease is live (this machine cannot see its process).
 */
export function judgeLease(
  holder: LeaseHolder,
  { now = new Date(), hostname = osHostname(), isAlive = processAlive }: LeaseJudgeOptions = {},
): LeaseJudgement {
  const expiry = Date.parse(holder.expiresAt);
  if (Number.isNaN(expiry) || expiry <= now.getTime())
    return { live: false, why: `expired at ${holder.expiresAt}` };
  if (holder.host === hostname) {
    if (!isAlive(holder.pid)) return { live: false, why: `process ${holder.pid} is not running` };
    return { live: true, why: `held by process ${holder.pid} on ${holder.host}` };
  }
  return {
    live: true,
    why: `held by process ${holder.pid} on ${holder.host} until ${holder.expiresAt}`,
  };
}

/** Whether the lease `holder` is still in force at `now` as seen from `host`. */
export function isLeaseLive(holder: LeaseHolder, now: Date, host: string = osHostname()): boolean {
  return judgeLease(holder, { now, hostname: host }).live;
}
