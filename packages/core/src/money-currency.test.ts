import { describe, expect, it } from 'vitest';
import {
  ISO_CURRENCY_CODES,
  isCurrencyCode,
  isoMinorUnit,
  resolveCurrency,
} from './money-currency';

describe('resolveCurrency: the one currency rule', () => {
  it('gives ISO 4217 codes their ISO minor unit, whatever the JavaScript engine says', () => {
    expect(resolveCurrency('USD')).toEqual({
      ok: true,
      value: { code: 'USD', decimals: 2, iso: true },
    });
    expect(resolveCurrency('JPY')).toMatchObject({ ok: true, value: { decimals: 0 } });
    expect(resolveCurrency('KWD')).toMatchObject({ ok: true, value: { decimals: 3 } });
    expect(resolveCurrency('CLF')).toMatchObject({ ok: true, value: { decimals: 4 } });
    // CLDR (Intl) gives these 0 decimals; ISO 4217 gives 2 and 3.
    expect(isoMinorUnit('HUF')).toBe(2);
    expect(isoMinorUnit('IQD')).toBe(3);
    expect(ISO_CURRENCY_CODES).toContain('EUR');
    expect(new Set(ISO_CURRENCY_CODES).size).toBe(ISO_CURRENCY_CODES.length);
  });

  it('refuses to redeclare an ISO currency with other decimals', () => {
    expect(resolveCurrency('USD', { USD: 2 })).toMatchObject({ ok: true });
    expect(resolveCurrency('USD', { USD: 6 })).toMatchObject({
      ok: false,
      message: expect.stringContaining('cannot be declared with 6'),
    });
  });

  it('accepts a custom unit only with declared decimals, 0 to 12', () => {
    expect(resolveCurrency('USDC')).toMatchObject({
      ok: false,
      message: expect.stringContaining('must be declared with its decimals'),
    });
    expect(resolveCurrency('USDC', { USDC: 6 })).toEqual({
      ok: true,
      value: { code: 'USDC', decimals: 6, iso: false },
    });
    expect(resolveCurrency('CREDITS', { CREDITS: 0 })).toMatchObject({ ok: true });
    expect(resolveCurrency('ETH', { ETH: 18 })).toMatchObject({
      ok: false,
      message: expect.stringContaining('0 to 12'),
    });
    expect(resolveCurrency('XAU')).toMatchObject({ ok: false });
  });

  it('refuses codes of the wrong shape', () => {
    for (const code of ['usd', 'US', 'U$D', '', 'ABCDEFGHIJK', 5, null, '1AB']) {
      expect(resolveCurrency(code, { usd: 2 }).ok, String(code)).toBe(false);
      expect(isCurrencyCode(code)).toBe(false);
    }
    expect(isCurrencyCode('USDC')).toBe(true);
  });
});
