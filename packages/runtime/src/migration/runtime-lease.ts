import { readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';

/** The lease file a runtime holds while it hosts a group, relative to the group directory. */
export const RUNTIME_LEASE_FILE = '.karnel/runtime.lease';

/** What {@link readRuntimeLease} found. */
export type RuntimeLeaseStatus =
  /** No lease file: no runtime hosts the group. */
  | {
      /** `none`: no lease file. */
      readonly state: 'none';
    }
  /** A lease whose holder is gone (expired, or its process is dead on this host). */
  | {
      /** `stale`: the lease no longer blocks a hand-off. */
      readonly state: 'stale';
      /** The host name the lease names. */
      readonly host: string;
      /** The process id the lease names. */
      readonly pid: number;
      /** Why the lease is stale, one sentence. */
      readonly why: string;
    }
  /** A lease a live runtime holds (or one this machine cannot rule out). */
  | {
      /** `live`: a runtime may still hold the group. */
      readonly state: 'live';
      /** The host name the lease names, when it could be read. */
      readonly host?: string;
      /** The process id the lease names, when it could be read. */
      readonly pid?: number;
      /** Why the lease counts as live, one sentence. */
      readonly why: string;
    };

/** Options of {@link readRuntimeLease}, mostly for tests. */
export interface ReadRuntimeLeaseOptions {
  /** The current time. Default: now. */
  readonly now?: Date;
  /** This machine's host name. Default: `os.hostname()`. */
  readonly hostname?: string;
  /** Whether a process id is alive on this host. Default: `process.kill(pid, 0)`. */
  readonly isAlive?: (pid: number) => boolean;
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

function expiryOf(lease: Record<string, unknown>): Date | undefined {
  for (const key of ['expiresAt', 'expires_at', 'expiry', 'expires']) {
    const value = lease[key];
    if (typeof value === 'number' && Number.isFinite(value)) return new Date(value);
    if (typeof value === 'string') {
      const time = Date.parse(value);
      if (!Number.isNaN(time)) return new Date(time);
    }
  }
  return undefined;
}

/**
 * Reads the group's runtime lease (`.karnel/runtime.lease`: JSON with `host`, `pid` and an
 * expiry) defensively. An expired lease, or one whose process is dead on this host, is `stale`
 * and does not block a hand-off. A lease from another host that has not expired, and a lease
 * file that cannot be read or parsed, are `live`: this machine cannot prove the runtime is gone.
 */
export async function readRuntimeLease(
  dir: string,
  {
    now = new Date(),
    hostname = osHostname(),
    isAlive = processAlive,
  }: ReadRuntimeLeaseOptions = {},
): Promise<RuntimeLeaseStatus> {
  let text: string;
  try {
    text = await readFile(join(dir, RUNTIME_LEASE_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'none' };
    return { state: 'live', why: `${RUNTIME_LEASE_FILE} cannot be read (${code ?? 'error'})` };
  }
  let lease: unknown;
  try {
    lease = JSON.parse(text);
  } catch {
    return {
      state: 'live',
      why: `${RUNTIME_LEASE_FILE} is not JSON; remove it if no runtime runs`,
    };
  }
  if (lease === null || typeof lease !== 'object' || Array.isArray(lease))
    return { state: 'live', why: `${RUNTIME_LEASE_FILE} is not a lease object` };
  const record = lease as Record<string, unknown>;
  const host = typeof record.host === 'string' ? record.host : undefined;
  const pid =
    typeof record.pid === 'number' && Number.isSafeInteger(record.pid) ? record.pid : undefined;
  const expiry = expiryOf(record);
  if (host === undefined || pid === undefined)
    return { state: 'live', why: `${RUNTIME_LEASE_FILE} names no host and pid` };
  if (expiry && expiry.getTime() <= now.getTime())
    return { state: 'stale', host, pid, why: `expired at ${expiry.toISOString()}` };
  if (host === hostname) {
    if (!isAlive(pid)) return { state: 'stale', host, pid, why: `process ${pid} is not running` };
    return { state: 'live', host, pid, why: `held by process ${pid} on ${host}` };
  }
  return {
    state: 'live',
    host,
    pid,
    why: `held by process ${pid} on ${host}${expiry ? ` until ${expiry.toISOString()}` : ''}`,
  };
}
