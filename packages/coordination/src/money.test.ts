import { describe, expect, it } from 'vitest';
import { compareMoney, moneySchema } from './money';

describe('moneySchema', () => {
  it('accepts exact costs in any currency code, sub-cent included', () => {
    for (const money of [
      { amount: '0.0004', currency: 'USD' },
      { amount: '12.5', currency: 'USDC' },
      { amount: '1.2345678', currency: 'USD' },
      { amount: '0.000000000001', currency: 'CREDITS' },
    ]) {
      expect(moneySchema.safeParse(money).success, money.amount).toBe(true);
    }
  });

  it('refuses numbers, exponents, negatives, more than 12 decimals and lower-case codes', () => {
    for (const money of [
      { amount: 0.1, currency: 'USD' },
      { amount: '1e3', currency: 'USD' },
      { amount: '-5', currency: 'USD' },
      { amount: 'NaN', currency: 'USD' },
      { amount: '0.0000000000001', currency: 'USD' },
      { amount: '1', currency: 'usd' },
    ]) {
      expect(moneySchema.safeParse(money).success, String(money.amount)).toBe(false);
    }
  });
});

describe('compareMoney', () => {
  it('compares exactly within one currency and never across currencies', () => {
    expect(
      compareMoney({ amount: '1.50', currency: 'USD' }, { amount: '1.5', currency: 'USD' }),
    ).toBe(0);
    expect(
      compareMoney(
        { amount: '0.000000000002', currency: 'USD' },
        { amount: '0.000000000001', currency: 'USD' },
      ),
    ).toBe(1);
    expect(compareMoney({ amount: '1', currency: 'USD' }, { amount: '2', currency: 'EUR' })).toBe(
      undefined,
    );
  });
});
