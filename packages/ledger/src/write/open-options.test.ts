import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordValidator } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnWithoutPrivileges } from '../../test/unprivileged';
import {
  InvalidRecordError,
  LedgerAccessError,
  LedgerNotFoundError,
  openLedger,
  verifyLedger,
} from '../index';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-open-'));
});
afterEach(async () => {
  await chmod(dir, 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

/** Owns `spend.recorded`: the amount must be a decimal string. */
const spendValidator: RecordValidator = {
  types: ['spend.recorded'],
  validate: (record) =>
    typeof record.body.usd === 'string' && /^\d+(\.\d+)?$/.test(record.body.usd)
      ? { ok: true }
      : { ok: false, message: 'usd must be a decimal string' },
};

describe('validators', () => {
  it('refuses an owned record that fails its validator, and writes nothing of it', async () => {
    const ledgerDir = join(dir, 'ledger');
    const ledger = await openLedger(ledgerDir, { validators: [spendValidator] });
    await ledger.append({ type: 'spend.recorded', body: { usd: '0.42' } });
    const chainBefore = await readFile(join(ledgerDir, 'chain.jsonl'));
    const refused = ledger.append({
      type: 'spend.recorded',
      body: { usd: 'lots' },
      files: { 'receipt.txt': 'paid' },
    });
    await expect(refused).rejects.toSatisfy(InvalidRecordError.isInstance);
    await expect(refused).rejects.toMatchObject({
      recordType: 'spend.recorded',
      reason: 'usd must be a decimal string',
    });
    expect(await readFile(join(ledgerDir, 'chain.jsonl'))).toEqual(chainBefore);
    // No data file of the refused record either.
    expect(await readdir(ledgerDir)).not.toContain('records');
    // Types the validator does not own are not its business.
    await ledger.append({ type: 'spend.noted', body: { usd: 'lots' } });
    await ledger.close();
    const report = await verifyLedger(ledgerDir);
    expect(report).toMatchObject({ ok: true, entries: 2, diagnostics: [] });
  });

  it('checks the records the typed methods write too', async () => {
    const steps: RecordValidator = {
      types: ['run.step'],
      validate: (record) =>
        record.body.index === 0 ? { ok: true } : { ok: false, message: 'one step only' },
    };
    const ledger = await openLedger(join(dir, 'ledger'), { validators: [steps] });
    const { runId } = await ledger.startRun();
    await ledger.appendStep(runId, { kind: 'first' });
    await expect(ledger.appendStep(runId, { kind: 'second' })).rejects.toSatisfy(
      InvalidRecordError.isInstance,
    );
    const steps_ = await readFile(join(dir, 'ledger', 'runs', runId, 'steps.jsonl'), 'utf8');
    expect(steps_.trim().split('\n')).toHaveLength(1);
    await ledger.close();
    expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);
  });
});

describe('create: false', () => {
  it('refuses a path that holds no ledger, naming it', async () => {
    const missing = join(dir, 'mistyped');
    await expect(openLedger(missing, { create: false })).rejects.toSatisfy(
      (error: unknown) =>
        LedgerNotFoundError.isInstance(error) &&
        error.path === missing &&
        error.reason === 'missing' &&
        error.message.includes(missing),
    );
    await mkdir(join(dir, 'empty'));
    await expect(openLedger(join(dir, 'empty'), { create: false })).rejects.toMatchObject({
      reason: 'not-a-ledger',
    });
    await writeFile(join(dir, 'file'), 'not a folder');
    await expect(openLedger(join(dir, 'file'), { create: false })).rejects.toMatchObject({
      reason: 'not-a-directory',
    });
    // Nothing was created at any of those paths.
    expect((await readdir(dir)).sort()).toEqual(['empty', 'file']);
    expect(await readdir(join(dir, 'empty'))).toEqual([]);
  });

  it('opens an existing ledger', async () => {
    const ledger = await openLedger(join(dir, 'ledger'));
    await ledger.append({ type: 'note.added', body: {} });
    await ledger.close();
    const again = await openLedger(join(dir, 'ledger'), { create: false });
    await again.append({ type: 'note.added', body: {} });
    await again.close();
    expect((await verifyLedger(join(dir, 'ledger'))).entries).toBe(2);
  });

  it('a file where the folder should be is refused even when creating', async () => {
    await writeFile(join(dir, 'file'), 'not a folder');
    await expect(openLedger(join(dir, 'file'))).rejects.toSatisfy(LedgerNotFoundError.isInstance);
  });
});

/**
 * Runs `script` (an ES module using @karnel/ledger's build) in a process that honours file
 * permissions (see test/unprivileged.ts). Returns its stdout.
 */
function runUnprivileged(script: string, cwd: string): string {
  const result = spawnWithoutPrivileges(['--input-type=module', '-e', script], cwd);
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

const builtLedger = join(import.meta.dirname, '..', '..', 'dist', 'index.js');

describe('permissions', () => {
  it('opening a read-only ledger for writing fails with LedgerAccessError', async () => {
    const ledgerDir = join(dir, 'ledger');
    const ledger = await openLedger(ledgerDir);
    await ledger.append({ type: 'note.added', body: {} });
    await ledger.close();
    await chmod(join(ledgerDir, 'chain.jsonl'), 0o444);
    await chmod(ledgerDir, 0o555);
    await chmod(dir, 0o755);
    const output = runUnprivileged(
      `import { openLedger, LedgerAccessError } from ${JSON.stringify(builtLedger)};
       try { await openLedger(${JSON.stringify(ledgerDir)}); console.log('opened'); }
       catch (error) { console.log(LedgerAccessError.isInstance(error) ? error.operation : String(error)); }`,
      dir,
    );
    expect(output).toBe('write');
    // Reading and verifying still work.
    const verified = runUnprivileged(
      `import { verifyLedger } from ${JSON.stringify(builtLedger)};
       console.log(JSON.stringify((await verifyLedger(${JSON.stringify(ledgerDir)})).ok));`,
      dir,
    );
    expect(verified).toBe('true');
    // A new ledger under a read-only folder: the first append is refused with the same error.
    const created = runUnprivileged(
      `import { openLedger, LedgerAccessError } from ${JSON.stringify(builtLedger)};
       const ledger = await openLedger(${JSON.stringify(join(ledgerDir, 'nested'))});
       try { await ledger.append({ type: 'note.added', body: {} }); console.log('appended'); }
       catch (error) { console.log(LedgerAccessError.isInstance(error) ? error.operation : String(error)); }`,
      dir,
    );
    expect(created).toBe('write');
    expect(
      LedgerAccessError.isInstance(
        new LedgerAccessError({ path: 'x', operation: 'write', reason: 'EROFS' }),
      ),
    ).toBe(true);
  });
});
