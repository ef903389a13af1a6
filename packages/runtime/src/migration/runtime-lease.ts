import {
  judgeLease,
  LEASE_FILE,
  LeaseFileError,
  type LeaseJudgeOptions,
  readLeaseFile,
} from '../lease/lease-file';

/** The lease file a runtime holds while it hosts a group, relative to the group directory. */
export const RUNTIME_LEASE_FILE = LEASE_FILE;

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
export type ReadRuntimeLeaseOptions = LeaseJudgeOptions;

/**
 * Reads the group's runtime lease (`.karnel/runtime.lease`) with the scheduler's own reader
 * (`readLeaseFile`) and says whether it blocks a hand-off: an expired lease, or one whose
 * process is dead on this host, is `stale`; a lease from another host that has not expired is
 * `live`, and so is a lease file that cannot be read or is not a lease (the reason names the
 * file): this machine cannot prove the runtime is gone.
 */
export async function readRuntimeLease(
  dir: string,
  options: ReadRuntimeLeaseOptions = {},
): Promise<RuntimeLeaseStatus> {
  let holder: Awaited<ReturnType<typeof readLeaseFile>>;
  try {
    holder = await readLeaseFile(dir);
  } catch (error) {
    if (LeaseFileError.isInstance(error)) return { state: 'live', why: error.message };
    throw error;
  }
  if (!holder) return { state: 'none' };
  const judged = judgeLease(holder, options);
  return judged.live
    ? { state: 'live', host: holder.host, pid: holder.pid, why: judged.why }
    : { state: 'stale', host: holder.host, pid: holder.pid, why: judged.why };
}
