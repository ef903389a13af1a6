import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LedgerEntry, openLedger, verifyLedger } from '../index';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const dist = join(import.meta.dirname, '..', '..', 'dist', 'index.js');

async function readAll(ledgerDir: string): Promise<LedgerEntry[]> {
  const ledger = await openLedger(ledgerDir);
  const all: LedgerEntry[] = [];
  for await (const entry of ledger.entries()) all.push(entry);
  await ledger.close();
  return all;
}

describe('appendUnsynced and sync', () => {
  it('writes in order with durable appends, visible to readers at once, and sync resolves', async () => {
    for (const groupCommit of [false, true]) {
      const ledgerDir = join(dir, `ledger-${groupCommit}`);
      const ledger = await openLedger(ledgerDir, { groupCommit });
      // Nothing written yet: sync has nothing to do.
      await ledger.sync();
      const first = await ledger.appendUnsynced({ type: 'test.note', body: { n: 0 } });
      // Another handle (as another process would) reads it before any fsync.
      expect((await readAll(ledgerDir)).map((entry) => entry.hash)).toEqual([first.hash]);
      const [second, third] = await Promise.all([
        ledger.append({ type: 'test.note', body: { n: 1 } }),
        ledger.appendUnsynced({ type: 'test.note', body: { n: 2 } }),
      ]);
      await ledger.sync();
      await ledger.sync();
      expect((await readAll(ledgerDir)).map((entry) => [entry.seq, entry.body.n])).toEqual([
        [0, 0],
        [1, 1],
        [2, 2],
      ]);
      expect([first.seq, second.seq, third.seq]).toEqual([0, 1, 2]);
      await ledger.close();
      expect((await verifyLedger(ledgerDir)).ok).toBe(true);
    }
  });

  it('sync through a seq an fsync already covered makes no other fsync', async () => {
    const ledgerDir = join(dir, 'ledger');
    // In a child process, where node:fs can be wrapped before the ledger is imported.
    const script = `
      import fs from 'node:fs';
      import { syncBuiltinESMExports } from 'node:module';
      let fsyncs = 0;
      const original = fs.fdatasync;
      fs.fdatasync = (...args) => { fsyncs++; return original(...args); };
      syncBuiltinESMExports();
      const { openLedger } = await import(${JSON.stringify(dist)});
      const ledger = await openLedger(${JSON.stringify(ledgerDir)}, { groupCommit: true });
      const first = await ledger.appendUnsynced({ type: 'test.note', body: { n: 0 } });
      await ledger.append({ type: 'test.note', body: { n: 1 } });
      const afterDurable = fsyncs;
      await ledger.appendUnsynced({ type: 'test.note', body: { n: 2 } });
      // Entry 0 was made durable by the append of entry 1: nothing to do for it.
      await ledger.sync({ through: first.seq });
      const afterCovered = fsyncs;
      await ledger.sync({ through: 2 });
      const afterOwn = fsyncs;
      await ledger.sync();
      console.log(JSON.stringify([afterCovered - afterDurable, afterOwn - afterCovered, fsyncs - afterOwn]));
      await ledger.close();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // Covered: no fsync. Entry 2: one. Then everything is durable: none.
    expect(JSON.parse(stdout)).toEqual([0, 1, 0]);
    expect((await verifyLedger(ledgerDir)).entries).toBe(3);
  });

  it('keeps an unsynced entry when its process is killed before any fsync', async () => {
    const ledgerDir = join(dir, 'ledger');
    // The child appends without syncing, prints the entry's hash, and kills itself: the bytes
    // it wrote are in the page cache, which outlives the process.
    const script = `
      import { openLedger } from ${JSON.stringify(dist)};
      const ledger = await openLedger(${JSON.stringify(ledgerDir)});
      await ledger.append({ type: 'test.note', body: { n: 0 } });
      const entry = await ledger.appendUnsynced({ type: 'test.note', body: { n: 1 } });
      process.stdout.write(entry.hash + '\\n', () => process.kill(process.pid, 'SIGKILL'));
    `;
    const { stdout, signal } = await new Promise<{ stdout: string; signal: string | null }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
        });
        child.on('error', reject);
        child.on('close', (_code, killed) => resolve({ stdout: out, signal: killed }));
      },
    );
    expect(signal).toBe('SIGKILL');
    const entries = await readAll(ledgerDir);
    expect(entries.map((entry) => entry.body.n)).toEqual([0, 1]);
    expect(entries[1]!.hash).toBe(stdout.trim());
    // The next writer goes on from it.
    const ledger = await openLedger(ledgerDir);
    expect(ledger.recovered).toEqual([]);
    expect((await ledger.append({ type: 'test.note', body: { n: 2 } })).seq).toBe(2);
    await ledger.close();
    expect((await verifyLedger(ledgerDir)).ok).toBe(true);
  });

  it('refuses an unsynced append its validator refuses, as append does, and writes nothing of it', async () => {
    const ledger = await openLedger(dir, {
      validators: [
        {
          types: ['spend.recorded'],
          validate: (record) =>
            typeof record.body.amount === 'string'
              ? { ok: true }
              : { ok: false, message: 'amount must be decimal text' },
        },
      ],
    });
    await expect(
      ledger.appendUnsynced({ type: 'spend.recorded', body: { amount: 1 } }),
    ).rejects.toThrow(/amount must be decimal text/);
    await ledger.appendUnsynced({ type: 'spend.recorded', body: { amount: '1.00' } });
    expect((await readAll(dir)).map((entry) => entry.body.amount)).toEqual(['1.00']);
    await ledger.close();
  });

  it('withWriteLock keeps the write lock from the first append to the end of the task', async () => {
    const { stat } = await import('node:fs/promises');
    const lockFile = join(dir, '.chain.lock');
    const ledger = await openLedger(dir);
    const other = await openLedger(dir, { lockTimeoutMs: 10_000 });
    let otherAppend: Promise<LedgerEntry> | undefined;
    const inside = await ledger.withWriteLock(async () => {
      // Nothing appended yet: the lock is not taken for nothing.
      await expect(stat(lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
      const first = await ledger.appendUnsynced({ type: 'test.note', body: { n: 0 } });
      await stat(lockFile);
      // Another writer (as another process would) must wait for the end of the task.
      otherAppend = other.append({ type: 'test.note', body: { n: 'other' } });
      const second = await ledger.append({ type: 'test.note', body: { n: 1 } });
      await ledger.sync();
      await stat(lockFile);
      return [first.seq, second.seq];
    });
    expect(inside).toEqual([0, 1]);
    expect((await otherAppend!).seq).toBe(2);
    // Closed, both let go of the lock at once (an idle one lingers a millisecond otherwise).
    await other.close();
    await ledger.close();
    await expect(stat(lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await verifyLedger(dir)).ok).toBe(true);
  });
});
