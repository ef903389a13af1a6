import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRuntimeLease } from './runtime-lease';
import { tempDir } from './test-group';

async function withLease(content: string | undefined) {
  const dir = await tempDir();
  if (content !== undefined) {
    await mkdir(join(dir, '.karnel'));
    await writeFile(join(dir, '.karnel/runtime.lease'), content);
  }
  return dir;
}

const now = new Date('2026-12-06T12:00:00Z');
const alive = () => true;
const dead = () => false;

describe('readRuntimeLease', () => {
  it('tells a live lease from a stale one, reading the file defensively', async () => {
    expect((await readRuntimeLease(await withLease(undefined))).state).toBe('none');
    // The lease the runtime writes: host, pid, token, taken_at, expires_at.
    const lease = (fields: { host: string; pid: number; expires_at: string }) =>
      withLease(JSON.stringify({ token: 'a1b2', taken_at: '2026-12-06T11:59:00Z', ...fields }));
    const here = { hostname: 'a', now };
    expect(
      await readRuntimeLease(
        await lease({ host: 'a', pid: 7, expires_at: '2026-12-06T12:05:00Z' }),
        { ...here, isAlive: alive },
      ),
    ).toMatchObject({ state: 'live', why: 'held by process 7 on a' });
    expect(
      await readRuntimeLease(
        await lease({ host: 'a', pid: 7, expires_at: '2026-12-06T12:05:00Z' }),
        { ...here, isAlive: dead },
      ),
    ).toMatchObject({ state: 'stale', why: 'process 7 is not running' });
    expect(
      await readRuntimeLease(
        await lease({ host: 'a', pid: 7, expires_at: '2026-12-06T11:00:00Z' }),
        { ...here, isAlive: alive },
      ),
    ).toMatchObject({ state: 'stale' });
    // Another host: the pid cannot be checked here, so only the expiry can release it.
    expect(
      await readRuntimeLease(
        await lease({ host: 'b', pid: 7, expires_at: '2026-12-06T12:05:00Z' }),
        { ...here, isAlive: dead },
      ),
    ).toMatchObject({ state: 'live' });
    // A file that cannot be read as a lease blocks, naming the file (the scheduler refuses to
    // start on it with LeaseFileError; the reader is the same).
    for (const text of [
      '{"host": "a"',
      '[1, 2]',
      '{"host": "a"}',
      '{"host":"a","pid":7,"expiresAt":"2026-12-06T11:00:00Z"}',
    ]) {
      const status = await readRuntimeLease(await withLease(text), here);
      expect(status.state).toBe('live');
      expect(status.state === 'live' && status.why).toContain('.karnel/runtime.lease');
    }
  });
});
