import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger, verifyLedger } from '../index';

const built = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'index.js')).href;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the write lock kept a moment after the last batch', () => {
  it('is let go before a process that never closes its ledger exits: no lock file is left', () => {
    const script = `
      const { openLedger } = await import(${JSON.stringify(built)});
      const ledger = await openLedger(process.argv[1], { groupCommit: true });
      await Promise.all([1, 2, 3].map((n) => ledger.append({ type: 'test.note', body: { n } })));
      await ledger.appendUnsynced({ type: 'test.note', body: { n: 4 } });
      await ledger.sync();
      console.log('appended');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], {
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('appended');
    expect(child.status).toBe(0);
    return readdir(dir).then(async (names) => {
      expect(names.filter((name) => name.includes('lock'))).toEqual([]);
      expect((await verifyLedger(dir)).entries).toBe(4);
    });
  });

  it('is used by the next batch of the same process, and taken by another writer once idle', async () => {
    const ledger = await openLedger(dir, { groupCommit: true });
    const other = await openLedger(dir, { lockTimeoutMs: 5_000 });
    for (let n = 0; n < 20; n++) await ledger.append({ type: 'test.note', body: { n } });
    // The other writer waits at most for the linger (a millisecond), never its timeout.
    expect((await other.append({ type: 'test.note', body: { n: 'other' } })).seq).toBe(20);
    expect((await ledger.append({ type: 'test.note', body: { n: 21 } })).seq).toBe(21);
    await Promise.all([ledger.close(), other.close()]);
    expect((await readdir(dir)).filter((name) => name.includes('lock'))).toEqual([]);
    expect((await verifyLedger(dir)).ok).toBe(true);
  });

  it('does not hide bytes appended around it meanwhile: the next batch refuses them, not overwrites them', async () => {
    const ledger = await openLedger(dir, { groupCommit: true });
    await ledger.append({ type: 'test.note', body: { n: 0 } });
    // Still held for the next batch: something that ignores the lock appends a line.
    await appendFile(join(dir, 'chain.jsonl'), '{"not":"an entry"}\n');
    await expect(ledger.append({ type: 'test.note', body: { n: 1 } })).rejects.toThrow(
      /chain\.jsonl:2/,
    );
    expect(await readFile(join(dir, 'chain.jsonl'), 'utf8')).toContain('{"not":"an entry"}');
    await ledger.close();
  });
});
