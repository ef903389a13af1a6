import { parseCost } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, parseAmount } from './amount';

describe('parseAmount', () => {
  it('reads policy amounts exactly, with an optional $ and currency', () => {
    expect(parseAmount('20')).toEqual({
      ok: true,
      value: { units: 20_000_000_000_000n, currency: 'USD' },
    });
    expect(parseAmount('$20.00')).toMatchObject({
      ok: true,
      value: { units: 20_000_000_000_000n },
    });
    expect(parseAmount('20.00 usd')).toMatchObject({ ok: true, value: { currency: 'USD' } });
    expect(parseAmount('12.5 USDC')).toMatchObject({ ok: true, value: { currency: 'USDC' } });
    expect(parseAmount('7', 'EUR')).toMatchObject({ ok: true, value: { currency: 'EUR' } });
  });

  it('answers the review probe by the one money rule: costs, exact to 12 decimals', () => {
    expect(parseAmount('0.0004 USD')).toEqual({
      ok: true,
      value: { units: 400_000_000n, currency: 'USD' },
    });
    expect(parseAmount('1.2345678 USD')).toMatchObject({
      ok: true,
      value: { units: 1_234_567_800_000n },
    });
    const core = parseCost('1.2345678');
    expect(core.ok && core.value).toBe(1_234_567_800_000n);
  });

  it('refuses what is not an amount, with a message', () => {
    for (const input of [
      '1e3',
      '1e30',
      '-5',
      'NaN',
      '1,000',
      '0.0000000000001',
      '20 U$D',
      '',
      '1.2.3',
    ]) {
      const result = parseAmount(input);
      expect(result.ok, input).toBe(false);
      if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
    }
    for (const input of [Number.NaN, -5, Number.POSITIVE_INFINITY, 1e21]) {
      expect(parseAmount(input).ok, String(input)).toBe(false);
    }
  });

  it('takes a number by the digits it prints, with no float arithmetic', () => {
    expect(parseAmount(44.99)).toEqual({
      ok: true,
      value: { units: 44_990_000_000_000n, currency: 'USD' },
    });
    expect(parseAmount(0.1)).toMatchObject({ ok: true, value: { units: 100_000_000_000n } });
  });

  it('formats back what it parsed', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 27n - 1n }), (units) => {
        const amount = { units, currency: 'USD' };
        expect(parseAmount(formatAmount(amount))).toEqual({ ok: true, value: amount });
      }),
    );
    expect(formatAmount({ units: 20_000_000_000_000n, currency: 'USD' })).toBe('20.00 USD');
    expect(formatAmount({ units: 400_000_000n, currency: 'USD' })).toBe('0.0004 USD');
  });
});
