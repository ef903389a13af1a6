/**
 * Runs the CLI as a user that file permissions apply to. Root reads and writes through mode
 * 000, so a test of "unreadable" or "read-only" run as root (as CI does) would test nothing:
 * there the CLI is spawned as `nobody` (child_process `uid`/`gid`); any other user runs it
 * as itself, where `chmod` already has its effect. Not a test itself, not published.
 */
import { spawn } from 'node:child_process';
import { chmod, copyFile, link, mkdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, type KarnelRun, type RunKarnelOptions } from './run-karnel';

/** Whether this process is root, for whom permission bits do not stop reads or writes. */
export const runningAsRoot = process.getuid?.() === 0;

interface Account {
  readonly uid: number;
  readonly gid: number;
}

/** The `nobody` account from `/etc/passwd` (65534 when it is not listed). */
async function nobody(): Promise<Account> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const line = passwd.split('\n').find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return { uid: Number(uid ?? 65534), gid: Number(gid ?? 65534) };
}

let nodeForNobody: Promise<string> | undefined;

/**
 * A Node.js binary `nobody` may execute: this process's own when its folders are open to
 * everyone, otherwise a hard link (or copy) of it in a world-readable temp folder — a Node
 * installed under `/root` is not reachable by other users.
 */
function reachableNode(account: Account): Promise<string> {
  nodeForNobody ??= (async () => {
    const works = await new Promise<boolean>((resolvePromise) => {
      const child = spawn(process.execPath, ['--version'], {
        uid: account.uid,
        gid: account.gid,
        stdio: 'ignore',
      });
      child.on('error', () => resolvePromise(false));
      child.on('close', (code) => resolvePromise(code === 0));
    });
    if (works) return process.execPath;
    const folder = join(tmpdir(), `karnel-node-${(await stat(process.execPath)).ino}`);
    const copy = join(folder, 'node');
    await mkdir(folder, { recursive: true });
    await chmod(folder, 0o755);
    if (!(await stat(copy).catch(() => undefined))) {
      await link(process.execPath, copy).catch(() => copyFile(process.execPath, copy));
      await chmod(copy, 0o755);
    }
    return copy;
  })();
  return nodeForNobody;
}

/**
 * Opens `folder` (a test's temp folder, mode 0700 from mkdtemp) to the unprivileged user, so
 * the CLI run as `nobody` can reach the files the test put there. Does nothing when not root.
 */
export async function shareWithUnprivileged(folder: string): Promise<void> {
  if (runningAsRoot) await chmod(folder, 0o755);
}

/**
 * Runs `karnel ...args` like `runKarnel`, but as `nobody` when this process is root, so mode
 * bits (000 folders, read-only ledgers) stop it as they stop every other user.
 */
export async function runKarnelUnprivileged(
  args: readonly string[],
  { cwd, stdin, env = {} }: RunKarnelOptions = {},
): Promise<KarnelRun> {
  const account = runningAsRoot ? await nobody() : undefined;
  const node = account ? await reachableNode(account) : process.execPath;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, [bin, ...args], {
      cwd,
      env: { ...process.env, CI: '1', HOME: tmpdir(), ...env },
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
