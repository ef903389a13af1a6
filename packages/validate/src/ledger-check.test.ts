import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { copyExample } from '../test/copy-example';
import { ledgerCheck } from './ledger-check';
import { validatePaths } from './validate-paths';

describe('ledgerCheck', () => {
  it('accepts the example group and its members, whose ledgers are intact or empty', async () => {
    const root = await copyExample('newsletter-co');
    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [ledgerCheck] });
    expect(
      result.diagnostics.filter((diagnostic) => diagnostic.code.startsWith('ledger/')),
    ).toEqual([]);
  });

  it('names the first bad entry of a tampered group ledger at its line of chain.jsonl', async () => {
    const root = await copyExample('newsletter-co');
    const ledgerDir = join(root, 'newsletter-co', 'ledger');
    const ledger = await openLedger(ledgerDir, {
      clock: createManualClock('2026-05-18T09:00:00Z'),
    });
    await ledger.append({ type: 'note.added', body: { text: 'first' } });
    await ledger.append({ type: 'note.added', body: { text: 'second' } });
    await ledger.append({ type: 'note.added', body: { text: 'third' } });
    await ledger.close();
    const chain = join(ledgerDir, 'chain.jsonl');
    await writeFile(chain, (await readFile(chain, 'utf8')).replace('"second"', '"edited"'));

    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [ledgerCheck] });
    const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    expect(errors[0]).toMatchObject({
      file: join('newsletter-co', 'ledger', 'chain.jsonl'),
      line: 2,
    });
    expect(errors[0]!.code).toMatch(/^ledger\//);
    expect(result.valid).toBe(false);
  });
});
