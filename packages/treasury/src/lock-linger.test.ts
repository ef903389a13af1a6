import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTreasury } from './treasury';

const treasuryBuild = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;
const ledgerBuild = pathToFileURL(
  join(import.meta.dirname, '..', 'node_modules', '@karnel', 'ledger', 'dist', 'index.js'),
).href;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'karnel-'));
  await mkdir(join(root, 'treasury'));
  await writeFile(
    join(root, 'treasury', 'balances.yaml'),
    'financial:\n  currency: USD\n  budget_weekly: 100.00\n',
  );
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const lockFiles = async (dir: string) =>
  (await readdir(dir).catch(() => [] as string[])).filter((name) => name.includes('lock'));

describe('the treasury lock kept a moment after the last hold', () => {
  for (const store of ['records file', 'ledger'] as const) {
    it(`is let go before a process that never closes its treasury exits (${store})`, async () => {
      const script = `
        const { createTreasury } = await import(${JSON.stringify(treasuryBuild)});
        const { openLedger } = await import(${JSON.stringify(ledgerBuild)});
        const [root, store] = process.argv.slice(1);
        const ledger = store === 'ledger' ? await openLedger(root + '/ledger', { groupCommit: true }) : undefined;
        const treasury = createTreasury({ dir: root + '/treasury', ...(ledger ? { ledger } : {}) });
        const held = await treasury.reserve({ amount: '2.00' });
        await treasury.commit(held.reservation, { actual: '1.25' });
        console.log(String((await treasury.balances()).week.spent) + 'n');
      `;
      const child = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', script, root, store],
        {
          encoding: 'utf8',
        },
      );
      expect(child.stderr).toBe('');
      expect(child.stdout.trim()).toBe('125n');
      expect(child.status).toBe(0);
      expect(await lockFiles(join(root, 'treasury'))).toEqual([]);
      expect(await lockFiles(join(root, 'ledger'))).toEqual([]);
    });
  }

  it('is taken by another treasury once idle, and released by close at once', async () => {
    const dir = join(root, 'treasury');
    const first = createTreasury({ dir });
    const second = createTreasury({ dir, lockTimeoutMs: 5_000 });
    for (let n = 0; n < 10; n++) await first.recordSpend({ amount: '0.10' });
    expect((await second.reserve({ amount: '1.00' })).ok).toBe(true);
    await first.recordSpend({ amount: '0.10' });
    await Promise.all([first.close(), second.close()]);
    expect(await lockFiles(dir)).toEqual([]);
    expect((await first.balances()).week.spent).toBe(110n);
  });
});
