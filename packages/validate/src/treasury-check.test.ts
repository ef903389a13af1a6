import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLedger } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { copyExample } from '../test/copy-example';
import { treasuryCheck } from './treasury-check';
import { validatePaths } from './validate-paths';

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('treasuryCheck', () => {
  it('passes the newsletter example', async () => {
    const root = await copyExample('newsletter-co');
    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [treasuryCheck] });
    expect(result.diagnostics).toEqual([]);
  });

  it('reports allocation rules adding up to 90% and a gate in another currency, at their lines', async () => {
    const root = await copyExample('newsletter-co');
    const path = join(root, 'newsletter-co', 'treasury', 'allocation_rules.yaml');
    const text = await readFile(path, 'utf8');
    const broken = text
      .replace('growth_experiments: 20%', 'growth_experiments: 10%')
      .replace('any_action_above: 25.00', 'any_action_above: "25.00 EUR"');
    await writeFile(path, broken);
    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [treasuryCheck] });
    const file = join('newsletter-co', 'treasury', 'allocation_rules.yaml');
    expect(
      result.diagnostics.map((diagnostic) => [
        diagnostic.file,
        diagnostic.line,
        diagnostic.code,
        diagnostic.severity,
      ]),
    ).toEqual([
      [file, lineOf(broken, 'weekly_allocation'), 'treasury/allocation-sum', 'error'],
      [file, lineOf(broken, '"25.00 EUR"'), 'treasury/gate-currency', 'error'],
    ]);
    expect(result.valid).toBe(false);
  });

  it('compares the derived figures with spend recorded in the group ledger', async () => {
    const root = await copyExample('newsletter-co');
    const group = join(root, 'newsletter-co');
    const balancesPath = join(group, 'treasury', 'balances.yaml');
    const text = await readFile(balancesPath, 'utf8');
    await writeFile(
      balancesPath,
      text.replace('revenue_mtd: 142.00', 'revenue_mtd: 142.00\n  as_of: "2026-05-06T10:00:00Z"'),
    );
    const ledger = await openLedger(join(group, 'ledger'));
    try {
      await ledger.append({
        type: 'spend.recorded',
        body: { at: '2026-05-05T09:00:00Z', amount: '10.00', currency: 'USD' },
      });
    } finally {
      await ledger.close();
    }
    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [treasuryCheck] });
    expect(result.diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code])).toEqual([
      [lineOf(text, 'spent_this_week'), 'treasury/snapshot-mismatch'],
      [lineOf(text, 'revenue_mtd'), 'treasury/snapshot-mismatch'],
    ]);
  });

  it('reports a treasury record the treasury refuses at its line of chain.jsonl', async () => {
    const root = await copyExample('newsletter-co');
    const group = join(root, 'newsletter-co');
    const ledger = await openLedger(join(group, 'ledger'));
    let seq: number;
    try {
      seq = (
        await ledger.append({
          type: 'spend.recorded',
          body: { at: '2026-05-05T09:00:00Z', amount: '1e3', currency: 'USD' },
        })
      ).seq;
    } finally {
      await ledger.close();
    }
    const result = await validatePaths(['newsletter-co'], { cwd: root, checks: [treasuryCheck] });
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({
        file: join('newsletter-co', 'ledger', 'chain.jsonl'),
        line: seq + 1,
        code: 'treasury/invalid-record',
        severity: 'error',
      }),
    );
    expect(result.valid).toBe(false);
  });
});
