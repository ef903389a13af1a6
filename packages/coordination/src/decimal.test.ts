import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecimal, compareDecimal, isDecimal } from './decimal';

const decimal = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 6 }))
  .map(([units, scale]) => {
    const text = units.toString().padStart(scale + 1, '0');
    return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  });

describe('decimal strings', () => {
  it('accepts plain non-negative decimals and refuses everything else', () => {
    expect(['0', '12.30', '0.042', '5'].every(isDecimal)).toBe(true);
    expect(['-1', '1e3', '01', '1.', '.5', ' 1', 1.5, '0x10'].some(isDecimal)).toBe(false);
  });

  it('compares exactly where floats would round', () => {
    expect(compareDecimal('0.30', '0.3')).toBe(0);
    expect(compareDecimal('0.100000000000000001', '0.1')).toBeGreaterThan(0);
    expect(compareDecimal('50.00', '50.00000000000000001')).toBeLessThan(0);
    expect(addDecimal('0.1', '0.2')).toBe('0.3');
    expect(addDecimal('1.50', '0.5')).toBe('2');
  });

  it('orders like the integers obtained by scaling both sides', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const scale = (value: string) => {
          const [whole, fraction = ''] = value.split('.');
          return BigInt(whole!) * 10n ** 6n + BigInt(fraction.padEnd(6, '0'));
        };
        const expected = scale(a) < scale(b) ? -1 : scale(a) > scale(b) ? 1 : 0;
        expect(compareDecimal(a, b)).toBe(expected);
        expect(compareDecimal(addDecimal(a, b), a)).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('throws a typed error for a value that is not a decimal', () => {
    expect(() => compareDecimal('1,5', '1')).toThrowError(/non-negative decimal/);
  });
});
