import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TreasuryRecord } from './records';
import { validateTreasuryDir } from './validate-treasury-dir';

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const balances =
  'financial:\n  budget_weekly: 50.00\n  spent_this_week: 12.30\n  as_of: "2026-05-06T10:00:00Z"\n';

describe('validateTreasuryDir', () => {
  it('finds all three cross-file mistakes, each once, at its line', async () => {
    const dir = await dirWith({
      'balances.yaml': 'financial:\n  currency: USD\n  budget_weekly: 50.00\n',
      'allocation_rules.yaml': `weekly_allocation:
  content_production: 60%
  growth_experiments: 20%
  member_inference: 10%
approval_gates:
  - any_action_above: "25.00 EUR"
    requires: human_owner
  - any_recurring_above: 5.00_per_week
    requires: treasurer
`,
    });
    const diagnostics = await validateTreasuryDir(dir, {
      roles: ['strategist', 'human_owner'],
      displayPath: 'grp/treasury',
    });
    expect(
      diagnostics.map((diagnostic) => [
        diagnostic.file,
        diagnostic.line,
        diagnostic.column,
        diagnostic.code,
      ]),
    ).toEqual([
      ['grp/treasury/allocation_rules.yaml', 1, 1, 'treasury/allocation-sum'],
      ['grp/treasury/allocation_rules.yaml', 6, 23, 'treasury/gate-currency'],
      ['grp/treasury/allocation_rules.yaml', 9, 15, 'treasury/unknown-role'],
    ]);
  });

  it('checks the records file line by line', async () => {
    const good: TreasuryRecord = {
      type: 'spend.recorded',
      at: '2026-05-05T10:00:00Z',
      amount: '12.30',
      currency: 'USD',
    };
    const dir = await dirWith({
      'balances.yaml': balances,
      'records.jsonl': `${JSON.stringify(good)}\n${JSON.stringify({ ...good, currency: 'EUR' })}\n{"type":"spend.recorded"}\nnot json\n{"type":"spend.rec`,
    });
    const diagnostics = await validateTreasuryDir(dir, { displayPath: 't' });
    expect(
      diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.line, diagnostic.code]),
    ).toEqual([
      ['t/records.jsonl', 2, 'treasury/record-currency'],
      ['t/records.jsonl', 3, 'treasury/invalid-record'],
      ['t/records.jsonl', 4, 'treasury/invalid-record'],
      ['t/records.jsonl', 5, 'jsonl/torn-line'],
    ]);
  });

  it('compares the derived figures with records kept elsewhere', async () => {
    const dir = await dirWith({ 'balances.yaml': balances });
    const records: TreasuryRecord[] = [
      { type: 'spend.recorded', at: '2026-05-05T10:00:00Z', amount: '10.00', currency: 'USD' },
      // After as_of: not part of the snapshot.
      { type: 'spend.recorded', at: '2026-05-06T11:00:00Z', amount: '2.30', currency: 'USD' },
    ];
    expect(await validateTreasuryDir(dir, { records, displayPath: 't' })).toEqual([
      expect.objectContaining({
        line: 3,
        column: 20,
        code: 'treasury/snapshot-mismatch',
        severity: 'warning',
      }),
    ]);
    records[1] = { ...records[1]!, at: '2026-05-06T09:00:00Z' } as TreasuryRecord;
    expect(await validateTreasuryDir(dir, { records, displayPath: 't' })).toEqual([]);
  });
});
