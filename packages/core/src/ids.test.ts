import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors';
import { createId, explainInvalidId, ID_PREFIXES, isId, parseId } from './ids';

describe('prefixed ULIDs', () => {
  it('creates ids that parse back with their prefix and creation time', () => {
    const time = Date.UTC(2026, 4, 3, 10, 0, 0);
    const id = createId('agt', time);
    expect(id).toMatch(/^agt_[0-9A-HJKMNP-TV-Z]{26}$/);
    const parsed = parseId(id, 'agt');
    expect(parsed?.prefix).toBe('agt');
    expect(parsed?.createdAt.getTime()).toBe(time);
  });

  it('creates ids that sort in creation order within one millisecond', () => {
    // 200 ids take well under a few milliseconds, so many share one; they must still sort.
    const ids = Array.from({ length: 200 }, () => createId('run'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses unknown prefixes when creating', () => {
    expect(() => createId('xyz' as 'agt')).toThrow(InvalidArgumentError);
  });

  it('rejects wrong prefixes, lengths, alphabets and lowercase', () => {
    const good = createId('grp');
    expect(isId(good, 'grp')).toBe(true);
    expect(isId(good, 'agt')).toBe(false);
    expect(isId(good.toLowerCase())).toBe(false);
    expect(isId(`${good}X`)).toBe(false);
    expect(isId(good.replace(/.$/, 'U'))).toBe(false);
    expect(isId(42)).toBe(false);
  });

  it('explains exactly what is wrong with an id', () => {
    expect(explainInvalidId('agt_123', 'agt')).toMatch(/26 characters, found 3/);
    expect(explainInvalidId(createId('grp'), 'agt')).toMatch(/prefix "grp_", expected "agt_"/);
    expect(explainInvalidId('01HZX3K0V8Q5T2N7R4M6W9YB1C', 'agt')).toMatch(/no "agt_" prefix/);
    expect(explainInvalidId('agt_01HZX3K0V8Q5T2N7R4M6W9YB1I', 'agt')).toMatch(/Crockford/);
    expect(explainInvalidId('agt_81HZX3K0V8Q5T2N7R4M6W9YB1C', 'agt')).toMatch(/out of range/);
    expect(explainInvalidId(createId('agt'), 'agt')).toBeUndefined();
  });

  it('round-trips every prefix (property)', () => {
    const prefixes = Object.values(ID_PREFIXES);
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (prefix, time) => {
          const id = createId(prefix, time);
          return (
            parseId(id, prefix)?.createdAt.getTime() === time &&
            explainInvalidId(id, prefix) === undefined
          );
        },
      ),
    );
  });
});
