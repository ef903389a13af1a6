import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeoutError } from './errors';

/** This machine's name, asked once: a lock is taken for every durable write. */
let cachedHost: string | undefined;
function thisHost(): string {
  cachedHost ??= hostname();
  return cachedHost;
}

/** Options of {@link acquireFileLock} and {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for the lock before throwing {@link LockTimeoutError}. Default 10 000 ms. */
  timeoutMs?: number;
  /** First retry delay; doubles up to 50 ms, with jitter. Default 1 ms. */
  retryDelayMs?: number;
}

/** A held lock. Release it exactly once. */
export interface FileLock {
  /** The lock file. */
  readonly path: string;
  /** Releases the lock. */
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

/**
 * Takes an advisory, cross-process lock on `path` (conventionally `<resource>.lock`).
 *
 * The lock file is created with `O_EXCL`, so exactly one process holds it. It records the
 * holder's pid and host; a lock whose holder process on this host no longer exists (it crashed
 * or was killed) is taken over, so a `kill -9` never wedges a ledger. Locks held from another
 * host are never taken over: that would need a lease, which a shared file system cannot give
 * reliably.
 */
export async function acquireFileLock(
  path: string,
  { timeoutMs = 10_000, retryDelayMs = 1 }: FileLockOptions = {},
): Promise<FileLock> {
  const started = Date.now();
  const owner: LockOwner = {
    pid: process.pid,
    host: thisHost(),
    token: randomBytes(8).toString('hex'),
  };
  let delay = retryDelayMs;
  for (;;) {
    if (await createLockFile(path, owner)) return createHeldLock(path, owner);
    const holder = await readOwner(path);
    if (holder && holder.host === owner.host && !isProcessAlive(holder.pid)) {
      await takeOverStaleLock(path, holder);
      continue;
    }
    if (!holder && (await isOldGarbage(path))) {
      await takeOverStaleLock(path, undefined);
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      throw new LockTimeoutError({
        lockPath: path,
        waitedMs: waited,
        holder: holder ? `pid ${holder.pid} on ${holder.host}` : undefined,
      });
    }
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 50);
  }
}

/** Runs `task` while holding the lock on `path`, releasing it however `task` ends. */
export async function withFileLock<T>(
  path: string,
  task: () => Promise<T>,
  options?: FileLockOptions,
): Promise<T> {
  const lock = await acquireFileLock(path, options);
  try {
    return await task();
  } finally {
    await lock.release();
  }
}

/**
 * Creates the lock file with its owner record already inside: the record is written to a
 * private temporary file, which is then hard-linked to `path` (`link` fails with EEXIST when the
 * lock is held, exactly like `O_EXCL`). A process killed at any moment therefore never leaves
 * an empty lock file that nobody could attribute, and so nobody could take over.
 */
async function createLockFile(path: string, owner: LockOwner): Promise<boolean> {
  // Synchronous calls: each is a few microseconds on a local disk, while a round trip through
  // the thread pool per call made taking the lock cost more than the work done under it.
  const temporary = `${path}.${owner.token}.tmp`;
  const fd = openSync(temporary, 'wx', 0o644);
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    unlinkQuietly(temporary);
  }
}

/** Removes `path`, ignoring a file that is already gone. */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** How old an unreadable lock file must be before it is treated as debris. */
const GARBAGE_LOCK_AGE_MS = 10_000;

/**
 * Whether `path` is an old lock file without an owner record (left by an older version that
 * created the file before writing it). Fresh ones may be mid-creation by another tool.
 */
async function isOldGarbage(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return Date.now() - info.mtimeMs > GARBAGE_LOCK_AGE_MS;
  } catch {
    return false;
  }
}

function createHeldLock(path: string, owner: LockOwner): FileLock {
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      const current = await readOwner(path);
      // Only remove the file if it is still ours (it may have been taken over as stale after a
      // pause long enough for another process to believe we died).
      if (current?.token === owner.token) unlinkQuietly(path);
    },
  };
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (
      typeof parsed.pid === 'number' &&
      typeof parsed.host === 'string' &&
      typeof parsed.token === 'string'
    ) {
      return parsed as LockOwner;
    }
  } catch {
    // Missing, or caught between create and write: treat as held by a live process.
  }
  return undefined;
}

async function takeOverStaleLock(path: string, stale: LockOwner | undefined): Promise<void> {
  // Rename is atomic: of several processes racing to take over, one moves the file aside.
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (moved && moved.token !== stale?.token) {
    // We moved a fresh lock that a faster process had just created: put it back.
    await rename(aside, path).catch(() => undefined);
    return;
  }
  await rm(aside, { force: true });
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
