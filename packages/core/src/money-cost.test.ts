import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney } from './money';
import { chargeCost, chargeCosts, EMPTY_COST_CARRY, formatCost, parseCost } from './money-cost';

const usd = { code: 'USD', decimals: 2, iso: true };

describe('parseCost and formatCost', () => {
  it('hold sub-cent prices and costs exactly, up to 12 decimals', () => {
    expect(parseCost('0.15')).toEqual({ ok: true, value: 150_000_000_000n });
    expect(parseCost('0.0000375')).toEqual({ ok: true, value: 37_500_000n });
    expect(parseCost('0.0004')).toEqual({ ok: true, value: 400_000_000n });
    expect(parseCost('1.2345678')).toEqual({ ok: true, value: 1_234_567_800_000n });
    expect(formatCost(37_500_000n)).toBe('0.0000375');
    expect(formatCost(0n)).toBe('0');
    expect(parseCost('0.0000000000001')).toMatchObject({
      ok: false,
      message: expect.stringContaining('costs have at most 12'),
    });
    expect(parseCost(0.15).ok).toBe(false);
  });

  it('round-trips every cost', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 27n - 1n }), (units) => {
        expect(parseCost(formatCost(units))).toEqual({ ok: true, value: units });
      }),
    );
  });
});

describe('chargeCost: one rounding, on the running total', () => {
  it('charges a cent when the running total first passes it, then nothing until the next', () => {
    const cost = 37_500_000n; // 0.0000375 USD: 250 tokens at 0.15 per million tokens
    let carry = EMPTY_COST_CARRY;
    const charges: bigint[] = [];
    for (let index = 0; index < 300; index++) {
      const result = chargeCost(carry, cost, usd);
      charges.push(result.minor);
      carry = result.carry;
    }
    expect(charges[0]).toBe(1n);
    expect(charges.slice(1, 266).every((charge) => charge === 0n)).toBe(true);
    expect(charges[266]).toBe(1n); // 267 × 0.0000375 = 0.0100125: the second cent
    expect(formatCost(carry.exact)).toBe('0.01125');
    expect(formatMoney(carry.charged, usd)).toBe('0.02');
  });

  it('makes the charges add up to the exact sum rounded up once, without drift', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 15n }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 6 }),
        (costs, decimals) => {
          const charges = chargeCosts(costs, { decimals });
          const exact = costs.reduce((sum, cost) => sum + cost, 0n);
          const step = 10n ** BigInt(12 - decimals);
          const charged = charges.reduce((sum, charge) => sum + charge, 0n);
          expect(charged).toBe((exact + step - 1n) / step);
          expect(charges.every((charge) => charge >= 0n)).toBe(true);
          // Never less than spent, and less than one minor unit more.
          expect(charged * step >= exact && charged * step - exact < step).toBe(true);
        },
      ),
    );
  });

  it('adds many costs with no float drift, where a float sum drifts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^0\.\d{1,12}$/), { minLength: 1, maxLength: 300 }),
        (texts) => {
          let exact = 0n;
          for (const text of texts) {
            const parsed = parseCost(text);
            if (!parsed.ok) throw new Error(parsed.message);
            exact += parsed.value;
          }
          // Summing in any order gives the same exact total.
          let reversed = 0n;
          for (const text of [...texts].reverse()) {
            const parsed = parseCost(text);
            if (parsed.ok) reversed += parsed.value;
          }
          expect(formatCost(exact)).toBe(formatCost(reversed));
        },
      ),
    );
    let float = 0;
    let exact = 0n;
    for (let index = 0; index < 1000; index++) {
      float += 0.1;
      const parsed = parseCost('0.1');
      if (parsed.ok) exact += parsed.value;
    }
    expect(formatCost(exact)).toBe('100');
    expect(float).not.toBe(100);
  });

  it('refuses a negative cost', () => {
    expect(() => chargeCost(EMPTY_COST_CARRY, -1n, usd)).toThrow(/never negative/);
  });
});
