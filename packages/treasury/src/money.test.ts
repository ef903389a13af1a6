import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  currencyMinorDigits,
  formatBasisPoints,
  formatMinorUnits,
  isCurrencyCode,
  parseDecimalAmount,
  parsePercent,
} from './money';

describe('parseDecimalAmount', () => {
  it('converts decimal text to integer minor units without floats', () => {
    expect(parseDecimalAmount('12.30', 2)).toEqual({ ok: true, minor: 1230n });
    expect(parseDecimalAmount('50', 2)).toEqual({ ok: true, minor: 5000n });
    expect(parseDecimalAmount('0.1', 2)).toEqual({ ok: true, minor: 10n });
    expect(parseDecimalAmount('-4.05', 2)).toEqual({ ok: true, minor: -405n });
    expect(parseDecimalAmount('12345678901234567890.12', 2)).toEqual({
      ok: true,
      minor: 1234567890123456789012n,
    });
  });

  it('refuses more decimals than the currency has, but accepts trailing zeros', () => {
    const refused = parseDecimalAmount('12.345', 2);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.message).toContain('more than 2 decimals');
    expect(parseDecimalAmount('12.300', 2)).toEqual({ ok: true, minor: 1230n });
    expect(parseDecimalAmount('5.5', 0).ok).toBe(false);
    expect(parseDecimalAmount('1.234', 3)).toEqual({ ok: true, minor: 1234n });
  });

  it('refuses exponents, separators and words', () => {
    for (const text of ['1e3', '1,000.00', '0x10', '.5', '5.', 'ten', '', '$5']) {
      expect(parseDecimalAmount(text, 2).ok, text).toBe(false);
    }
  });

  it('round-trips every amount through formatMinorUnits', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: 0, max: 4 }),
        (minor, digits) => {
          const text = formatMinorUnits(minor, digits);
          expect(parseDecimalAmount(text, digits)).toEqual({ ok: true, minor });
        },
      ),
    );
  });

  it('adds a thousand dimes up to exactly 100.00', () => {
    let total = 0n;
    for (let index = 0; index < 1000; index++) {
      const parsed = parseDecimalAmount('0.10', 2);
      if (parsed.ok) total += parsed.minor;
    }
    expect(formatMinorUnits(total, 2)).toBe('100.00');
  });
});

describe('currencies', () => {
  it('knows ISO 4217 codes and their minor digits', () => {
    expect(isCurrencyCode('USD')).toBe(true);
    expect(isCurrencyCode('EUR')).toBe(true);
    expect(isCurrencyCode('usd')).toBe(false);
    expect(isCurrencyCode('XYZ')).toBe(false);
    expect(currencyMinorDigits('USD')).toBe(2);
    expect(currencyMinorDigits('JPY')).toBe(0);
    expect(currencyMinorDigits('KWD')).toBe(3);
  });
});

describe('parsePercent', () => {
  it('reads shares written with a percent sign as basis points', () => {
    expect(parsePercent('60%')).toEqual({ ok: true, basisPoints: 6000 });
    expect(parsePercent('12.5%')).toEqual({ ok: true, basisPoints: 1250 });
    expect(parsePercent('0.25 %')).toEqual({ ok: true, basisPoints: 25 });
  });

  it('refuses bare numbers, which are ambiguous (60 or 0.6?)', () => {
    expect(parsePercent('60').ok).toBe(false);
    expect(parsePercent('0.6').ok).toBe(false);
    expect(parsePercent('1.234%').ok).toBe(false);
  });

  it('formats basis points back', () => {
    expect(formatBasisPoints(6000)).toBe('60%');
    expect(formatBasisPoints(1250)).toBe('12.5%');
    expect(formatBasisPoints(9000)).toBe('90%');
    expect(formatBasisPoints(5)).toBe('0.05%');
  });
});
