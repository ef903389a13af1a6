import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnWithoutPrivileges } from '../../test/unprivileged';
import { openLedger, verifyLedger } from '../index';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-missing-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const builtLedger = join(import.meta.dirname, '..', '..', 'dist', 'index.js');

/** Verifies `path` in a process that cannot bypass permissions (an unprivileged user under root). */
function verifyUnprivileged(path: string): { ok: boolean; codes: string[] } {
  const result = spawnWithoutPrivileges(
    [
      '--input-type=module',
      '-e',
      `import { verifyLedger } from ${JSON.stringify(builtLedger)};
       const report = await verifyLedger(${JSON.stringify(path)});
       console.log(JSON.stringify({ ok: report.ok, codes: report.diagnostics.map((d) => d.code) }));`,
    ],
    dir,
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { ok: boolean; codes: string[] };
}

describe('verifyLedger on inputs that are not a readable ledger folder', () => {
  it('a missing folder is an error report, never an intact empty ledger', async () => {
    const missing = join(dir, 'nope');
    const report = await verifyLedger(missing);
    expect(report).toMatchObject({ ok: false, entries: 0 });
    expect(report.diagnostics).toEqual([
      expect.objectContaining({ code: 'ledger/not-found', file: missing, severity: 'error' }),
    ]);
  });

  it('a file instead of a folder, or a path through a file', async () => {
    await writeFile(join(dir, 'file'), 'x');
    for (const path of [join(dir, 'file'), join(dir, 'file', 'ledger')]) {
      const report = await verifyLedger(path);
      expect(report.ok).toBe(false);
      expect(report.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
        'ledger/not-a-directory',
      ]);
    }
  });

  it('an empty folder is an intact empty ledger', async () => {
    await mkdir(join(dir, 'empty'));
    expect(await verifyLedger(join(dir, 'empty'))).toMatchObject({ ok: true, entries: 0 });
  });

  it('an unreadable folder or chain file is an error report', async () => {
    const ledgerDir = join(dir, 'ledger');
    const ledger = await openLedger(ledgerDir);
    await ledger.append({ type: 'note.added', body: {} });
    await ledger.close();
    await chmod(dir, 0o755);
    await chmod(join(ledgerDir, 'chain.jsonl'), 0o000);
    expect(verifyUnprivileged(ledgerDir)).toEqual({ ok: false, codes: ['ledger/unreadable'] });
    await chmod(join(ledgerDir, 'chain.jsonl'), 0o644);
    await chmod(ledgerDir, 0o000);
    expect(verifyUnprivileged(ledgerDir)).toEqual({ ok: false, codes: ['ledger/unreadable'] });
    await chmod(ledgerDir, 0o755);
    expect(verifyUnprivileged(ledgerDir)).toEqual({ ok: true, codes: [] });
  });
});
