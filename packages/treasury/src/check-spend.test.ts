import { describe, expect, it } from 'vitest';
import { checkSpend } from './check-spend';
import { computeBalances } from './compute-balances';
import type { TreasuryRecord } from './records';
import type { TreasuryConfig } from './treasury-config';

const config: TreasuryConfig = {
  currency: 'USD',
  minorDigits: 2,
  unit: { code: 'USD', decimals: 2, iso: true },
  timeZone: 'Europe/Berlin',
  weekStartsOn: 'monday',
  budgets: { week: 5000n, month: 15000n },
  modelClassBudgets: {
    period: 'week',
    amounts: { 'frontier-reasoning': 1500n, 'fast-general': 3000n },
  },
  allocation: { content_production: 6000, growth_experiments: 2000, member_inference: 2000 },
  gates: [
    { id: 'big-action', kind: 'action', threshold: 2500n, requires: 'human_owner' },
    {
      id: 'subscriptions',
      kind: 'recurring',
      threshold: 500n,
      per: 'week',
      requires: 'human_owner',
    },
  ],
  quotas: { anthropic_remaining_pct: 0, openai_remaining_pct: 0.5 },
  snapshot: {},
};

const now = new Date('2026-05-06T10:00:00Z');
const spend = (amount: string, at: string, extra: Partial<TreasuryRecord> = {}): TreasuryRecord =>
  ({ type: 'spend.recorded', at, amount, currency: 'USD', ...extra }) as TreasuryRecord;

describe('checkSpend', () => {
  const empty = computeBalances([], config, now);

  it('allows a spend within every budget and below every gate', () => {
    const decision = checkSpend(config, empty, {
      amount: '10.00',
      modelClass: 'fast-general',
      category: 'content_production',
    });
    expect(decision).toMatchObject({ effect: 'allow', amount: 1000n });
  });

  it('names the approval gate a large action crosses', () => {
    const decision = checkSpend(config, empty, { amount: '25.01' });
    expect(decision.effect).toBe('needs-approval');
    expect(decision.gate?.id).toBe('big-action');
    expect(decision.reason).toContain('human_owner');
    expect(checkSpend(config, empty, { amount: '25.00' }).effect).toBe('allow');
    expect(
      checkSpend(config, empty, { amount: '25.01', approvedGates: ['big-action'] }).effect,
    ).toBe('allow');
  });

  it('compares recurring spends per period with the recurring gate', () => {
    expect(
      checkSpend(config, empty, { amount: '5.00', recurring: true, period: 'week' }).effect,
    ).toBe('allow');
    const monthly = checkSpend(config, empty, {
      amount: '22.00',
      recurring: true,
      period: 'month',
    });
    expect(monthly).toMatchObject({ effect: 'needs-approval', gate: { id: 'subscriptions' } });
    expect(
      checkSpend(config, empty, { amount: '21.00', recurring: true, period: 'month' }).effect,
    ).toBe('allow');
    // The same amount once is not a subscription.
    expect(checkSpend(config, empty, { amount: '22.00' }).effect).toBe('allow');
  });

  it('denies what a budget cannot pay, before looking at gates', () => {
    const balances = computeBalances([spend('45.00', '2026-05-05T09:00:00Z')], config, now);
    const decision = checkSpend(config, balances, { amount: '30.00' });
    expect(decision).toMatchObject({ effect: 'deny', limit: 'week' });
    expect(decision.reason).toContain('5.00 USD');
    expect(checkSpend(config, balances, { amount: '5.00' }).effect).toBe('allow');
    expect(checkSpend(config, balances, { amount: '5.01' }).effect).toBe('deny');
  });

  it('checks the model class and the category slices', () => {
    const balances = computeBalances(
      [
        spend('14.00', '2026-05-05T09:00:00Z', {
          model_class: 'frontier-reasoning',
          category: 'growth_experiments',
        }),
      ],
      config,
      now,
    );
    expect(
      checkSpend(config, balances, { amount: '1.01', modelClass: 'frontier-reasoning' }),
    ).toMatchObject({
      effect: 'deny',
      limit: 'model_class:frontier-reasoning',
    });
    expect(
      checkSpend(config, balances, { amount: '1.00', modelClass: 'frontier-reasoning' }).effect,
    ).toBe('allow');
    expect(
      checkSpend(config, balances, { amount: '1.00', modelClass: 'bulk-cheap' }),
    ).toMatchObject({ effect: 'deny' });
    // growth_experiments gets 20% of 50.00 = 10.00 and has spent 14.00.
    expect(
      checkSpend(config, balances, { amount: '0.01', category: 'growth_experiments' }),
    ).toMatchObject({
      effect: 'deny',
      limit: 'category:growth_experiments',
    });
    expect(checkSpend(config, balances, { amount: '0.01', category: 'travel' })).toMatchObject({
      effect: 'deny',
      limit: 'category:travel',
    });
  });

  it('denies a provider whose quota is exhausted', () => {
    expect(checkSpend(config, empty, { amount: '1.00', provider: 'anthropic' })).toMatchObject({
      effect: 'deny',
      limit: 'quota:anthropic_remaining_pct',
    });
    expect(checkSpend(config, empty, { amount: '1.00', provider: 'openai' }).effect).toBe('allow');
  });

  it('refuses floats, extra decimals and foreign currencies as programming errors', () => {
    expect(() => checkSpend(config, empty, { amount: 0.1 as unknown as string })).toThrow(
      /floats cannot hold money/,
    );
    expect(() => checkSpend(config, empty, { amount: '0.001' })).toThrow(
      /3 decimals, but USD amounts have at most 2/,
    );
    expect(() => checkSpend(config, empty, { amount: '1.00', currency: 'EUR' })).toThrow(/USD/);
    expect(() => checkSpend(config, empty, { amount: -1n })).toThrow(/negative/);
  });
});

describe('computeBalances', () => {
  it('counts spend in the week and month that contain it, in the treasury time zone', () => {
    const records = [
      // Sunday 23:30 in Berlin: previous week, same month.
      spend('1.00', '2026-05-03T21:30:00Z'),
      // Monday 00:30 in Berlin: this week.
      spend('2.00', '2026-05-03T22:30:00Z', {
        model_class: 'fast-general',
        category: 'member_inference',
      }),
      spend('4.00', '2026-04-30T21:59:00Z'),
      { type: 'revenue.recorded', at: '2026-05-01T08:00:00Z', amount: '142.00', currency: 'USD' },
    ] satisfies TreasuryRecord[];
    const balances = computeBalances(records, config, now);
    expect(balances.week).toMatchObject({
      spent: 200n,
      reserved: 0n,
      budget: 5000n,
      remaining: 4800n,
      revenue: 0n,
    });
    expect(balances.month).toMatchObject({ spent: 300n, revenue: 14200n });
    expect(balances.byModelClass['fast-general']).toEqual({
      budget: 3000n,
      spent: 200n,
      reserved: 0n,
      remaining: 2800n,
    });
    expect(balances.byCategory.member_inference).toEqual({
      budget: 1000n,
      spent: 200n,
      reserved: 0n,
      remaining: 800n,
    });
    expect(balances.totals).toEqual({ spent: 700n, revenue: 14200n });
  });

  it('holds money for open reservations until settled or expired', () => {
    const opened = {
      type: 'reservation.opened',
      id: 'rsv_01JZ0000000000000000000000',
      at: '2026-05-06T09:55:00Z',
      expires_at: '2026-05-06T10:10:00Z',
      amount: '3.00',
      currency: 'USD',
    } satisfies TreasuryRecord;
    expect(computeBalances([opened], config, now).week).toMatchObject({
      reserved: 300n,
      remaining: 4700n,
    });
    expect(computeBalances([opened], config, new Date('2026-05-06T10:10:00Z')).week.reserved).toBe(
      0n,
    );
    const released = {
      type: 'reservation.released',
      id: opened.id,
      at: '2026-05-06T09:58:00Z',
    } satisfies TreasuryRecord;
    expect(computeBalances([opened, released], config, now).week.reserved).toBe(0n);
    const committed = spend('2.50', '2026-05-06T09:59:00Z', { reservation: opened.id });
    expect(computeBalances([opened, committed], config, now).week).toMatchObject({
      reserved: 0n,
      spent: 250n,
    });
  });

  it('refuses records in another currency or finer than the currency', () => {
    expect(() =>
      computeBalances(
        [{ ...spend('1.00', '2026-05-06T09:00:00Z'), currency: 'EUR' } as TreasuryRecord],
        config,
        now,
      ),
    ).toThrow(/EUR/);
    expect(() => computeBalances([spend('1.001', '2026-05-06T09:00:00Z')], config, now)).toThrow(
      /decimals/,
    );
  });
});
