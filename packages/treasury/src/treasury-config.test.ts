import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sortDiagnostics } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { loadTreasuryConfig } from './treasury-config';

const specBalances = `financial:
  budget_weekly: 50.00
  spent_this_week: 12.30
  revenue_mtd: 142.00

inference_budget:
  by_model_class:
    frontier-reasoning: 15.00
    fast-general: 30.00
    bulk-cheap: 5.00

api_quotas:
  anthropic_remaining_pct: 0.78
`;

const specRules = `weekly_allocation:
  content_production: 60%
  growth_experiments: 20%
  member_inference: 20%

approval_gates:
  - any_action_above: 25.00
    requires: "human_owner"
  - any_recurring_above: 5.00_per_week
    requires: "human_owner"
`;

const roles = ['strategist', 'researcher', 'writer', 'critic', 'human_owner'];

async function treasuryDir(balances: string, rules?: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'karnel-'));
  const dir = join(root, 'treasury');
  await mkdir(dir);
  await writeFile(join(dir, 'balances.yaml'), balances);
  if (rules !== undefined) await writeFile(join(dir, 'allocation_rules.yaml'), rules);
  return dir;
}

describe('loadTreasuryConfig', () => {
  it("accepts the format's own example and resolves it exactly", async () => {
    const dir = await treasuryDir(specBalances, specRules);
    const { config, diagnostics } = await loadTreasuryConfig(dir, {
      roles,
      displayPath: 'group/treasury',
    });
    expect(diagnostics).toEqual([]);
    expect(config).toEqual({
      currency: 'USD',
      minorDigits: 2,
      unit: { code: 'USD', decimals: 2, iso: true },
      timeZone: 'UTC',
      weekStartsOn: 'monday',
      budgets: { week: 5000n },
      modelClassBudgets: {
        period: 'week',
        amounts: { 'frontier-reasoning': 1500n, 'fast-general': 3000n, 'bulk-cheap': 500n },
      },
      allocation: { content_production: 6000, growth_experiments: 2000, member_inference: 2000 },
      gates: [
        { id: 'approval_gates[0]', kind: 'action', threshold: 2500n, requires: 'human_owner' },
        {
          id: 'approval_gates[1]',
          kind: 'recurring',
          threshold: 500n,
          per: 'week',
          requires: 'human_owner',
        },
      ],
      quotas: { anthropic_remaining_pct: 0.78 },
      snapshot: { spentThisWeek: 1230n, revenueMonthToDate: 14200n },
    });
  });

  it('reports allocation shares adding up to 90% at weekly_allocation', async () => {
    const dir = await treasuryDir(
      specBalances,
      specRules.replace('growth_experiments: 20%', 'growth_experiments: 10%'),
    );
    const { config, diagnostics } = await loadTreasuryConfig(dir, {
      roles,
      displayPath: 'g/treasury',
    });
    expect(config).toBeUndefined();
    expect(diagnostics).toEqual([
      {
        file: 'g/treasury/allocation_rules.yaml',
        line: 1,
        column: 1,
        code: 'treasury/allocation-sum',
        severity: 'error',
        message: 'weekly_allocation adds up to 90%; the shares must add up to exactly 100%',
      },
    ]);
  });

  it('reports a gate in a currency the treasury does not use, at the gate amount', async () => {
    const balances = specBalances.replace(
      'financial:\n',
      'financial:\n  currency: USD\n  time_zone: Europe/Berlin\n',
    );
    const dir = await treasuryDir(
      balances,
      specRules.replace('any_action_above: 25.00', 'any_action_above: "25.00 EUR"'),
    );
    const { diagnostics } = await loadTreasuryConfig(dir, { roles, displayPath: 'g/treasury' });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      file: 'g/treasury/allocation_rules.yaml',
      line: 7,
      column: 23,
      code: 'treasury/gate-currency',
      severity: 'error',
    });
    expect(diagnostics[0]!.message).toContain('EUR');
    expect(diagnostics[0]!.message).toContain('USD');
  });

  it('accepts a gate that names the treasury currency', async () => {
    const balances = specBalances.replace('financial:\n', 'financial:\n  currency: EUR\n');
    const dir = await treasuryDir(
      balances,
      specRules.replace('any_action_above: 25.00', 'any_action_above: "25.00 EUR"'),
    );
    const { config, diagnostics } = await loadTreasuryConfig(dir, { roles });
    expect(diagnostics).toEqual([]);
    expect(config!.gates[0]!.threshold).toBe(2500n);
  });

  it('reports a gate requiring a role the group does not have, with a suggestion', async () => {
    const dir = await treasuryDir(
      specBalances,
      specRules.replace('requires: "human_owner"', 'requires: "human_ownr"'),
    );
    const { diagnostics } = await loadTreasuryConfig(dir, { roles, displayPath: 't' });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        line: 8,
        column: 15,
        code: 'treasury/unknown-role',
        hint: 'did you mean "human_owner"?',
      }),
    ]);
  });

  it('refuses amounts finer than a cent, at their line', async () => {
    const dir = await treasuryDir(
      specBalances.replace('budget_weekly: 50.00', 'budget_weekly: 50.005'),
      specRules,
    );
    const { diagnostics } = await loadTreasuryConfig(dir, { displayPath: 't' });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file: 't/balances.yaml',
        line: 2,
        column: 18,
        code: 'treasury/invalid-amount',
      }),
    ]);
    expect(diagnostics[0]!.message).toContain('has 3 decimals, but USD amounts have at most 2');
  });

  it('uses the currency for decimals: yen have none', async () => {
    const dir = await treasuryDir('financial:\n  currency: JPY\n  budget_weekly: 5000.5\n');
    const { diagnostics } = await loadTreasuryConfig(dir, { displayPath: 't' });
    expect(diagnostics).toEqual([
      expect.objectContaining({ line: 3, code: 'treasury/invalid-amount' }),
    ]);
  });

  it('reports unknown model classes, currencies and time zones with suggestions', async () => {
    const dir = await treasuryDir(
      'financial:\n  currency: USX\n  time_zone: Europe/Berln\n  budget_weekly: 10\ninference_budget:\n  by_model_class:\n    fast-generl: 5\n',
    );
    const { diagnostics } = await loadTreasuryConfig(dir, { displayPath: 't' });
    expect(
      diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code, diagnostic.hint]),
    ).toEqual([
      [2, 'treasury/unknown-currency', expect.stringContaining('did you mean')],
      [3, 'treasury/unknown-time-zone', 'did you mean "Europe/Berlin"?'],
      [7, 'treasury/unknown-model-class', 'did you mean "fast-general"?'],
    ]);
  });

  it('reports gates without a period, with two thresholds, or with a bare-number share', async () => {
    const rules = `weekly_allocation:
  content: 100
approval_gates:
  - any_recurring_above: 5.00
    requires: human_owner
  - any_action_above: 1
    any_recurring_above: 1_per_week
    requires: human_owner
`;
    const dir = await treasuryDir(specBalances, rules);
    const { diagnostics } = await loadTreasuryConfig(dir, { displayPath: 't' });
    expect(
      sortDiagnostics(diagnostics).map((diagnostic) => [diagnostic.line, diagnostic.code]),
    ).toEqual([
      [2, 'treasury/invalid-percent'],
      [4, 'treasury/invalid-gate-amount'],
      [6, 'treasury/gate-threshold'],
    ]);
  });

  it('warns when class budgets add up to more than the weekly budget', async () => {
    const dir = await treasuryDir(
      specBalances.replace('fast-general: 30.00', 'fast-general: 40.00'),
    );
    const { config, diagnostics } = await loadTreasuryConfig(dir, { displayPath: 't' });
    expect(config).toBeDefined();
    expect(diagnostics).toEqual([
      expect.objectContaining({
        line: 7,
        severity: 'warning',
        code: 'treasury/model-classes-over-budget',
      }),
    ]);
  });

  it('needs a budget and a balances file', async () => {
    const noBudget = await treasuryDir('financial:\n  revenue_mtd: 1\n');
    expect(
      (await loadTreasuryConfig(noBudget)).diagnostics.map((diagnostic) => diagnostic.code),
    ).toEqual(['treasury/no-budget']);
    const root = await mkdtemp(join(tmpdir(), 'karnel-'));
    const missing = await loadTreasuryConfig(root, { displayPath: 't' });
    expect(missing.diagnostics).toEqual([
      expect.objectContaining({ file: 't/balances.yaml', code: 'file/missing' }),
    ]);
  });

  it('warns about unknown fields with a suggestion and still resolves', async () => {
    const dir = await treasuryDir(
      specBalances.replace('budget_weekly', 'budget_weekly: 50.00\n  budget_wekly'),
    );
    const { config, diagnostics } = await loadTreasuryConfig(dir, { displayPath: 't' });
    expect(config).toBeDefined();
    expect(diagnostics).toEqual([
      expect.objectContaining({
        line: 3,
        code: 'schema/unknown-field',
        severity: 'warning',
        hint: 'did you mean "budget_weekly"?',
      }),
    ]);
  });
});
