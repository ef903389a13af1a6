import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareRates, parseAmountExpression, RECURRENCE_PERIODS } from './amount-expression';

describe('parseAmountExpression', () => {
  it('accepts the spellings of the format and a currency next to the amount', () => {
    expect(parseAmountExpression('25.00')).toEqual({ ok: true, value: { amount: '25.00' } });
    expect(parseAmountExpression('5.00_per_week')).toEqual({
      ok: true,
      value: { amount: '5.00', per: 'week' },
    });
    expect(parseAmountExpression('25.00 EUR')).toEqual({
      ok: true,
      value: { amount: '25.00', currency: 'EUR' },
    });
    expect(parseAmountExpression('USD 25')).toEqual({
      ok: true,
      value: { amount: '25', currency: 'USD' },
    });
    expect(parseAmountExpression('5.00 USD per month')).toEqual({
      ok: true,
      value: { amount: '5.00', currency: 'USD', per: 'month' },
    });
    expect(parseAmountExpression('5.00/day')).toEqual({
      ok: true,
      value: { amount: '5.00', per: 'day' },
    });
  });

  it('refuses what it cannot read, and lower-case or doubled currencies', () => {
    expect(parseAmountExpression('twenty').ok).toBe(false);
    expect(parseAmountExpression('5.00_per_fortnight').ok).toBe(false);
    expect(parseAmountExpression('25.00 eur').ok).toBe(false);
    expect(parseAmountExpression('USD 25.00 EUR').ok).toBe(false);
  });
});

describe('compareRates', () => {
  it('compares rates over different periods exactly', () => {
    expect(compareRates(700n, 'week', 100n, 'day')).toBe(0);
    expect(compareRates(701n, 'week', 100n, 'day')).toBe(1);
    expect(compareRates(2000n, 'month', 500n, 'week')).toBe(-1);
    expect(compareRates(2200n, 'month', 500n, 'week')).toBe(1);
    expect(compareRates(1200n, 'year', 100n, 'month')).toBe(0);
  });

  it('is antisymmetric and agrees with the same period', () => {
    const period = fc.constantFrom(...RECURRENCE_PERIODS);
    const amount = fc.bigInt({ min: 0n, max: 10n ** 15n });
    fc.assert(
      fc.property(amount, period, amount, period, (a, aPer, b, bPer) => {
        expect(compareRates(a, aPer, b, bPer) + compareRates(b, bPer, a, aPer)).toBe(0);
        expect(compareRates(a, aPer, b, aPer)).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });
});
