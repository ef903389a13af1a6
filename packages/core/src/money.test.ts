import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountPattern, formatDecimal, formatMoney, parseDecimal, parseMoney } from './money';
import { resolveCurrency } from './money-currency';

const usd = { code: 'USD', decimals: 2, iso: true };

describe('parseMoney', () => {
  it('turns decimal text into exact minor units', () => {
    expect(parseMoney('12.30', usd)).toEqual({ ok: true, value: 1230n });
    expect(parseMoney('0', usd)).toEqual({ ok: true, value: 0n });
    expect(parseMoney('7', usd)).toEqual({ ok: true, value: 700n });
    expect(parseMoney('12.300', usd)).toEqual({ ok: true, value: 1230n });
    expect(parseMoney('5', { code: 'JPY', decimals: 0, iso: true })).toEqual({
      ok: true,
      value: 5n,
    });
  });

  it('refuses the records the review appended, each with a reason', () => {
    const refusals: [unknown, RegExp][] = [
      [Number.NaN, /NaN is a number/],
      [-5, /-5 is a number/],
      [0.1, /0\.1 is a number; write the amount as a decimal string/],
      ['1e3', /not a decimal amount/],
      ['0.001', /3 decimals, but USD amounts have at most 2/],
      ['-5', /negative/],
      ['', /not a decimal amount/],
      [' 1.00', /not a decimal amount/],
      ['1,000.00', /not a decimal amount/],
      ['+1', /not a decimal amount/],
      ['1.', /not a decimal amount/],
      ['.5', /not a decimal amount/],
      ['0x10', /not a decimal amount/],
      ['Infinity', /not a decimal amount/],
      [null, /found null/],
      [undefined, /found undefined/],
      [{ amount: '1' }, /found object/],
      [12n, /12 is a number/],
      ['1234567890123456', /more than 15 digits before the point/],
      [`1.${'0'.repeat(19)}`, /more than 18 digits after the point/],
    ];
    for (const [input, message] of refusals) {
      const result = parseMoney(input, usd);
      expect(result.ok, String(input)).toBe(false);
      if (!result.ok) expect(result.message).toMatch(message);
    }
    expect(parseMoney('1.5', { code: 'JPY', decimals: 0, iso: true })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/has decimals, but JPY amounts have none/),
    });
  });

  it('reads the review probe the same way for every package: by the quantity, not the package', () => {
    expect(parseMoney('0.0004', usd).ok).toBe(false);
    expect(parseMoney('1.2345678', usd).ok).toBe(false);
    const usdc = resolveCurrency('USDC', { USDC: 6 });
    expect(usdc.ok && parseMoney('12.5', usdc.value)).toEqual({ ok: true, value: 12_500_000n });
  });
});

describe('formatMoney and formatDecimal', () => {
  it('write exactly the currency decimals, negatives with a sign', () => {
    expect(formatMoney(1230n, usd)).toBe('12.30');
    expect(formatMoney(5n, usd)).toBe('0.05');
    expect(formatMoney(-5n, usd)).toBe('-0.05');
    expect(formatMoney(7n, { decimals: 0 })).toBe('7');
    expect(formatDecimal(375n, 7, { trim: true })).toBe('0.0000375');
    expect(formatDecimal(1_000_000n, 6, { trim: true })).toBe('1');
    expect(formatDecimal(1_000_000n, 6, { trim: true, minimumDecimals: 2 })).toBe('1.00');
  });

  it('round-trips every amount: parse(format(x)) is x', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
        fc.integer({ min: 0, max: 12 }),
        (value, decimals) => {
          const text = formatDecimal(value, decimals);
          expect(parseDecimal(text, decimals)).toEqual({ ok: true, value });
          const trimmed = formatDecimal(value, decimals, { trim: true });
          expect(parseDecimal(trimmed, decimals)).toEqual({ ok: true, value });
        },
      ),
    );
  });

  it('round-trips text in canonical form: format(parse(t)) is t', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^(0|[1-9]\d{0,14})\.\d{2}$/), (text) => {
        const parsed = parseMoney(text, usd);
        expect(parsed.ok && formatMoney(parsed.value, usd)).toBe(text);
      }),
    );
  });

  it('never accepts a JavaScript number, whatever its value', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        expect(parseDecimal(value, 12).ok).toBe(false);
      }),
    );
  });
});

describe('amountPattern', () => {
  it('accepts exactly what parseDecimal accepts', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^\d{1,17}(\.\d{1,20})?$/),
          fc.string(),
          fc.constantFrom('1e3', '-5', '0.001', '1.', '.5', '1.000'),
        ),
        fc.integer({ min: 0, max: 12 }),
        (text, decimals) => {
          expect(amountPattern(decimals).test(text)).toBe(parseDecimal(text, decimals).ok);
        },
      ),
    );
  });
});
