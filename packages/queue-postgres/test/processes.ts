import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A child process whose stdout lines the test can wait on. */
export interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first line that `match` accepts, among those from index `after` on (default all). */
  waitFor(
    match: (line: string) => boolean,
    options?: { timeoutMs?: number; after?: number },
  ): Promise<string>;
  /** SIGTERM, then waits for the exit (SIGKILL after 30 s). */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/** Starts `fixtures/<script>` with Node, with the queue's connection string and group in its environment. */
export function startChild(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Child {
  const child = spawn(process.execPath, [join(fixtures, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      for (const waiter of waiters) {
        if (waiter.match(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
      newline = buffer.indexOf('\n');
    }
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    lines,
    waitFor(match, { timeoutMs = 120_000, after = 0 } = {}) {
      const seen = lines.slice(after).find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve };
        waiters.add(waiter);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`${script}: no matching line after ${timeoutMs} ms; stderr:\n${stderr}`),
          );
        }, timeoutMs);
        child.once('exit', (code) => {
          if (!waiters.has(waiter)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(new Error(`${script} exited (${code}) first; stderr:\n${stderr}`));
        });
        const resolveOnce = waiter.resolve;
        waiter.resolve = (line) => {
          clearTimeout(timer);
          resolveOnce(line);
        };
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // A process that cannot stop gracefully (an executor waiting on a coordinator that is
      // gone) is killed, so a failing test never leaves it behind.
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A group folder with an empty ledger and a treasury with room for every run. */
export async function makeGroupDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-distributed-'));
  await mkdir(join(dir, 'treasury'), { recursive: true });
  await writeFile(
    join(dir, 'treasury', 'balances.yaml'),
    'financial:\n  currency: USD\n  time_zone: UTC\n  budget_weekly: 100000.00\n',
  );
  await writeFile(
    join(dir, 'treasury', 'allocation_rules.yaml'),
    'weekly_allocation:\n  member_inference: 100%\n',
  );
  return dir;
}
