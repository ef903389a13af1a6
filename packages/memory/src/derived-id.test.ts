import { parseId } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derivedId } from './derived-id';

describe('derivedId', () => {
  it('makes valid, repeatable ids that encode the time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.string(), (time, seed) => {
        const id = derivedId('mem', time, seed);
        expect(id).toBe(derivedId('mem', time, seed));
        expect(parseId(id, 'mem')?.createdAt.getTime()).toBe(time);
      }),
    );
  });

  it('differs when the seed differs', () => {
    expect(derivedId('epi', 0, 'a')).not.toBe(derivedId('epi', 0, 'b'));
  });
});
