import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** scripts/postgres.sh at the repository's root. */
export const postgresScript = fileURLToPath(
  new URL('../../../scripts/postgres.sh', import.meta.url),
);

/** A PostgreSQL server for a test file: the one CI started, or a throwaway cluster of its own. */
export interface TestPostgres {
  /** `postgres://…` over TCP on loopback. */
  readonly url: string;
  /** The cluster's folder when this file started it (restartable), else the CI's folder if known. */
  readonly dir: string | undefined;
  /** Restarts the server (same port, same data). */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the cluster when this file started it. */
  stop(): Promise<void>;
}

/**
 * Connects to `KARNEL_TEST_POSTGRES_URL` when it is set (CI starts one cluster for every test
 * file); otherwise, or with `own: true` (a test that restarts its server must not pull the
 * shared one from under other test files), starts a throwaway cluster with scripts/postgres.sh,
 * stopped by `stop()`.
 */
export async function startTestPostgres({
  own = false,
}: {
  own?: boolean;
} = {}): Promise<TestPostgres> {
  const existing = process.env.KARNEL_TEST_POSTGRES_URL;
  if (!own && existing !== undefined && existing !== '') {
    const dir = process.env.KARNEL_TEST_POSTGRES_DIR || undefined;
    return {
      url: existing,
      dir,
      async restart(mode = 'fast') {
        if (dir === undefined)
          throw new Error('KARNEL_TEST_POSTGRES_DIR is not set: cannot restart');
        await run('bash', [postgresScript, 'restart', dir, mode]);
      },
      async stop() {},
    };
  }
  const { stdout } = await run('bash', [postgresScript, 'start'], { maxBuffer: 1 << 20 });
  const url = /KARNEL_TEST_POSTGRES_URL=(\S+)/.exec(stdout)?.[1];
  const dir = /KARNEL_TEST_POSTGRES_DIR=(\S+)/.exec(stdout)?.[1];
  if (url === undefined || dir === undefined) {
    throw new Error(`scripts/postgres.sh start printed no connection string:\n${stdout}`);
  }
  return {
    url,
    dir,
    async restart(mode = 'fast') {
      await run('bash', [postgresScript, 'restart', dir, mode]);
    },
    async stop() {
      await run('bash', [postgresScript, 'stop', dir]);
    },
  };
}

/** A group name no other test uses. */
export function uniqueGroup(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Waits until `probe` returns a value other than undefined, polling every `everyMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, everyMs = 200 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
