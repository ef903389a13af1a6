import { spawn } from 'node:child_process';
import { mkdtemp, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockTimeoutError } from './errors';
import { acquireFileLock, withFileLock } from './file-lock';

const moduleUrl = new URL('../dist/index.js', import.meta.url).pathname;

function runChild(script: string): Promise<number | null> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('file lock', () => {
  it('serialises read-modify-write across processes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const counter = join(dir, 'counter');
    await writeFile(counter, '0');
    const script = `
      import { withFileLock } from ${JSON.stringify(moduleUrl)};
      import { readFile, writeFile } from 'node:fs/promises';
      for (let i = 0; i < 50; i++) {
        await withFileLock(${JSON.stringify(`${counter}.lock`)}, async () => {
          const value = Number(await readFile(${JSON.stringify(counter)}, 'utf8'));
          await writeFile(${JSON.stringify(counter)}, String(value + 1));
        });
      }
    `;
    const codes = await Promise.all(Array.from({ length: 4 }, () => runChild(script)));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(await readFile(counter, 'utf8')).toBe('200');
  });

  it('takes over a lock whose holder was killed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const lockPath = join(dir, 'ledger.lock');
    const script = `
      import { acquireFileLock } from ${JSON.stringify(moduleUrl)};
      await acquireFileLock(${JSON.stringify(lockPath)});
      process.kill(process.pid, 'SIGKILL');
    `;
    await runChild(script);
    expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBeGreaterThan(0);
    const lock = await acquireFileLock(lockPath, { timeoutMs: 2000 });
    expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('never leaves an unattributed lock file, and takes over an old one without an owner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const lockPath = join(dir, 'debris.lock');
    const lock = await acquireFileLock(lockPath);
    expect(JSON.parse(await readFile(lockPath, 'utf8')).token).toMatch(/^[0-9a-f]{16}$/);
    await lock.release();
    // An empty lock file, as a process killed between creating and writing it used to leave.
    await writeFile(lockPath, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath, old, old);
    const taken = await acquireFileLock(lockPath, { timeoutMs: 2000 });
    expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBe(process.pid);
    await taken.release();
  });

  it('times out with a typed error naming the holder while a live process holds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const lockPath = join(dir, 'busy.lock');
    const held = await acquireFileLock(lockPath);
    const error = await acquireFileLock(lockPath, { timeoutMs: 50 }).catch(
      (caught: unknown) => caught,
    );
    expect(LockTimeoutError.isInstance(error)).toBe(true);
    expect((error as LockTimeoutError).message).toContain(`pid ${process.pid}`);
    await held.release();
    await withFileLock(lockPath, async () => undefined, { timeoutMs: 50 });
  });
});
