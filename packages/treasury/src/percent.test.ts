import { describe, expect, it } from 'vitest';
import { formatBasisPoints, parsePercent } from './percent';

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
