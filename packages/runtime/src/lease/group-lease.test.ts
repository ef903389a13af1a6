import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Ledger, openLedger } from '@karnel/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireGroupLease,
  LEASE_FILE,
  LeaseFileError,
  LeaseHeldError,
  readGroupLease,
} from './group-lease';

let dir: string;
let ledger: Ledger;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-lease-'));
  ledger = await openLedger(join(dir, 'ledger'));
});

afterEach(async () => {
  await ledger.close();
  await rm(dir, { recursive: true, force: true });
});

async function types() {
  const found = [];
  for await (const entry of ledger.entries()) found.push([entry.type, entry.body]);
  return found;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

async function writeLease(holder: { host: string; pid: number; expiresAt: Date }) {
  await mkdir(join(dir, '.karnel'), { recursive: true });
  await writeFile(
    join(dir, LEASE_FILE),
    JSON.stringify({
      host: holder.host,
      pid: holder.pid,
      token: 'other',
      taken_at: '2026-12-06T09:00:00.000Z',
      expires_at: holder.expiresAt.toISOString(),
    }),
  );
}

describe('acquireGroupLease', () => {
  it('refuses a second runtime while the first one lives, and records take and release', async () => {
    const lease = await acquireGroupLease({ dir, ledger });
    expect(await readGroupLease(dir)).toMatchObject({ pid: process.pid });
    const error = await acquireGroupLease({ dir, ledger }).catch((caught: unknown) => caught);
    expect(LeaseHeldError.isInstance(error)).toBe(true);
    expect((error as LeaseHeldError).message).toContain(`pid ${process.pid}`);
    expect(await lease.renew()).toBe(true);
    await lease.release();
    expect(await readGroupLease(dir)).toBeUndefined();
    expect((await types()).map(([type]) => type)).toEqual([
      'runtime.lease_taken',
      'runtime.lease_released',
    ]);
  });

  it('takes over the lease of a dead process on this host, recording whose it was', async () => {
    const { hostname } = await import('node:os');
    const pid = deadPid();
    await writeLease({ host: hostname(), pid, expiresAt: new Date(Date.now() + 3_600_000) });
    const lease = await acquireGroupLease({ dir, ledger });
    expect(lease.tookOverFrom).toEqual({ host: hostname(), pid });
    expect((await types())[0]).toEqual([
      'runtime.lease_taken',
      { host: hostname(), pid: process.pid, tookOverFrom: { host: hostname(), pid } },
    ]);
    // The old holder can no longer renew: the file now carries the new token.
    expect(JSON.parse(await readFile(join(dir, LEASE_FILE), 'utf8')).pid).toBe(process.pid);
    await lease.release();
  });

  it("refuses another host's unexpired lease and takes over an expired one", async () => {
    await writeLease({ host: 'elsewhere', pid: 1, expiresAt: new Date(Date.now() + 60_000) });
    await expect(acquireGroupLease({ dir, ledger })).rejects.toThrow(
      /pid 1 on elsewhere holds its lease until/,
    );
    await writeLease({ host: 'elsewhere', pid: 1, expiresAt: new Date(Date.now() - 1000) });
    const lease = await acquireGroupLease({ dir, ledger });
    expect(lease.tookOverFrom).toEqual({ host: 'elsewhere', pid: 1 });
    await lease.release();
  });

  it('tells a runtime whose lease was taken over that it lost it', async () => {
    const { hostname } = await import('node:os');
    const lease = await acquireGroupLease({ dir, ledger, pid: deadPid() });
    const usurper = await acquireGroupLease({ dir, ledger });
    expect(await lease.renew()).toBe(false);
    await lease.release();
    expect(await readGroupLease(dir)).toMatchObject({ host: hostname(), pid: process.pid });
    await usurper.release();
  });
});

describe('a lease file something else changed', () => {
  it.each([
    ['not JSON', '{"host": "vm", '],
    ['not a lease', '{"host": "vm"}'],
  ])('refuses to start (%s), naming the file, and appends nothing', async (_, text) => {
    await mkdir(join(dir, '.karnel'), { recursive: true });
    await writeFile(join(dir, LEASE_FILE), text);
    const error = await acquireGroupLease({ dir, ledger }).catch((caught: unknown) => caught);
    expect(LeaseFileError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(join(dir, LEASE_FILE));
    expect((error as Error).message).toContain('remove the file');
    await expect(readGroupLease(dir)).rejects.toThrow('no runtime is running this group');
    expect(await types()).toEqual([]);
    expect(await readFile(join(dir, LEASE_FILE), 'utf8')).toBe(text);
  });

  it('never reads a file far larger than a lease whole', async () => {
    await mkdir(join(dir, '.karnel'), { recursive: true });
    await writeFile(join(dir, LEASE_FILE), `{"host": "${'v'.repeat(200_000)}"}`);
    const error = await readGroupLease(dir).catch((caught: unknown) => caught);
    expect(LeaseFileError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('far more than a lease');
    expect(await types()).toEqual([]);
  });
});
