import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readLedgerEntries, verifyLedger } from '@karnel/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, copyExample, makeTempDir, runKarnel } from '../../test/run-karnel';

const run = promisify(execFile);
const postgresScript = fileURLToPath(new URL('../../../../scripts/postgres.sh', import.meta.url));

// The cluster CI started (KARNEL_TEST_POSTGRES_URL), else a throwaway one of this file's own.
let url = process.env.KARNEL_TEST_POSTGRES_URL ?? '';
let ownDir: string | undefined;
beforeAll(async () => {
  if (url !== '') return;
  const { stdout } = await run('bash', [postgresScript, 'start'], { maxBuffer: 1 << 20 });
  url = /KARNEL_TEST_POSTGRES_URL=(\S+)/.exec(stdout)?.[1] ?? '';
  ownDir = /KARNEL_TEST_POSTGRES_DIR=(\S+)/.exec(stdout)?.[1];
  if (url === '') throw new Error(`scripts/postgres.sh start printed no URL:\n${stdout}`);
}, 120_000);
afterAll(async () => {
  if (ownDir !== undefined) await run('bash', [postgresScript, 'stop', ownDir]);
});

/** A running `karnel …` whose output lines the test can wait on. */
function start(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, CI: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    output,
    exited,
    async waitFor(text: string) {
      while (!output.stdout.includes(text)) {
        if (child.exitCode !== null)
          throw new Error(`karnel ${args[0]} exited first:\n${output.stdout}${output.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

function password(connection: string): string {
  return decodeURIComponent(new URL(connection).password);
}

describe('karnel run --queue and karnel executor', () => {
  it('a coordinator and one executor complete the due runs of a group (and the work they cause); the password is never printed', async () => {
    const dir = join(await copyExample('newsletter-co'), 'newsletter-co');
    const env = { KARNEL_QUEUE_URL: url };
    // The connection string comes from the environment (`--queue` without a value).
    const coordinator = start(['run', dir, '--queue', '--once', '--tick', '1s'], env);
    await coordinator.waitFor('coordinating');
    const executor = start(['executor', '--queue', '--group', dir, '--offline'], env);
    const code = await coordinator.exited;
    executor.child.kill('SIGTERM');
    expect(await executor.exited).toBe(0);
    expect(coordinator.output.stderr).toBe('');
    expect(code).toBe(0);
    const summary = coordinator.output.stdout.trim().split('\n').at(-1) ?? '';
    const [, total, succeeded, parked, failed] =
      /^(\d+) runs: (\d+) succeeded, (\d+) parked, (\d+) failed; 0 refused$/.exec(summary) ?? [];
    expect(Number(total)).toBeGreaterThanOrEqual(3);
    expect(Number(succeeded) + Number(parked)).toBe(Number(total));
    expect(failed).toBe('0');
    // The executor ran every run; the coordinator wrote them to the group's ledger, once each.
    expect(executor.output.stdout).toContain('[offline demo model]');
    const ran = executor.output.stdout.split('\n').filter((line) => / run {6}/.test(line));
    expect(ran).toHaveLength(Number(total));
    const started: string[] = [];
    const ended: string[] = [];
    for await (const entry of readLedgerEntries(join(dir, 'ledger'))) {
      const body = entry.body as { run_id?: string; runId?: string };
      if (entry.type === 'run.started') started.push(String(body.run_id));
      if (entry.type === 'run.finished') ended.push(String(body.run_id));
      if (entry.type === 'run.parked') ended.push(String(body.runId));
    }
    expect(started).toHaveLength(Number(total));
    expect(new Set(started).size).toBe(started.length);
    expect(new Set(ended)).toEqual(new Set(started));
    expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);
    // The researcher's brief, sent by a run on the executor, is in the group's message log.
    const log = await readFile(join(dir, 'ledger', 'coordination_log.jsonl'), 'utf8');
    expect(log).toContain('"from":"researcher"');
    const everything = [coordinator.output, executor.output]
      .map((output) => output.stdout + output.stderr)
      .join('\n');
    expect(everything).toContain('postgres://karnel:***@');
    expect(everything).not.toContain(password(url));
  }, 300_000);

  it('refuses a bad connection string with one line and exit 1, never printing the password', async () => {
    const dir = join(await copyExample('newsletter-co'), 'newsletter-co');
    const malformed = await runKarnel(['run', dir, '--queue', 'mysql://karnel:hunter2@db/karnel']);
    expect(malformed.code).toBe(1);
    expect(malformed.stdout).toBe('');
    expect(malformed.stderr.trim().split('\n')).toHaveLength(1);
    expect(malformed.stderr).toMatch(/^error: --queue: connectionString: a postgres:\/\//);
    expect(malformed.stderr).not.toContain('hunter2');

    const unreachable = await runKarnel([
      'executor',
      '--queue',
      'postgres://karnel:hunter2@127.0.0.1:1/karnel',
      '--group',
      dir,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toContain(
      'error: --queue: cannot connect to postgres://karnel:***@127.0.0.1:1/karnel',
    );
    expect(unreachable.stderr).not.toContain('hunter2');
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);

    const wrongPassword = new URL(url);
    wrongPassword.password = 'not-the-password';
    const refused = await runKarnel(['run', dir, '--queue', wrongPassword.toString(), '--once']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('password authentication failed');
    expect(refused.stderr).not.toContain('not-the-password');

    // No value, no environment variable, no machine-level file: one line naming all three.
    const config = await makeTempDir();
    const none = await runKarnel(['run', dir, '--queue'], {
      env: { KARNEL_QUEUE_URL: '', KARNEL_CONFIG_HOME: config },
    });
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe(
      `error: --queue has no connection string: pass one (--queue postgres://…), set KARNEL_QUEUE_URL, or write url: in ${join(config, 'queue.yaml')}`,
    );
    // A machine-level queue.yaml with a mistake: its diagnostic at file, line and column.
    await writeFile(join(config, 'queue.yaml'), '# the queue\nurl: [postgres]\n');
    const bad = await runKarnel(['run', dir, '--queue'], {
      env: { KARNEL_QUEUE_URL: '', KARNEL_CONFIG_HOME: config },
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toContain(`${join(config, 'queue.yaml')}:2:6`);
    expect(bad.stderr.trim().split('\n').at(-1)).toBe(
      `error: ${join(config, 'queue.yaml')} is not a valid queue file`,
    );
  }, 120_000);
});
