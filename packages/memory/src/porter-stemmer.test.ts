import { describe, expect, it } from 'vitest';
import { porterStem } from './porter-stemmer';
import { tokenize } from './tokenize';

describe('porterStem', () => {
  // Pairs from Porter's published vocabulary / output lists.
  it.each([
    ['caresses', 'caress'],
    ['ponies', 'poni'],
    ['ties', 'ti'],
    ['cats', 'cat'],
    ['feed', 'feed'],
    ['agreed', 'agre'],
    ['plastered', 'plaster'],
    ['motoring', 'motor'],
    ['sing', 'sing'],
    ['conflated', 'conflat'],
    ['troubled', 'troubl'],
    ['sized', 'size'],
    ['hopping', 'hop'],
    ['falling', 'fall'],
    ['filing', 'file'],
    ['happy', 'happi'],
    ['relational', 'relat'],
    ['conditional', 'condit'],
    ['rational', 'ration'],
    ['digitizer', 'digit'],
    ['generalization', 'gener'],
    ['triplicate', 'triplic'],
    ['hopefulness', 'hope'],
    ['revival', 'reviv'],
    ['allowance', 'allow'],
    ['adjustment', 'adjust'],
    ['adoption', 'adopt'],
    ['controlling', 'control'],
    ['connected', 'connect'],
    ['connecting', 'connect'],
    ['connection', 'connect'],
    ['connections', 'connect'],
  ])('%s → %s', (word, stem) => {
    expect(porterStem(word)).toBe(stem);
  });

  it('leaves short and non-ASCII words alone', () => {
    expect(porterStem('is')).toBe('is');
    expect(porterStem('straße')).toBe('straße');
  });
});

describe('tokenize', () => {
  it('lowercases, folds accents, drops stop words and stems', () => {
    expect(tokenize('The Café LAUNCHED two connections, naïvely!')).toEqual([
      'cafe',
      'launch',
      'two',
      'connect',
      'naiv',
    ]);
  });

  it('keeps digits and non-Latin letters as terms', () => {
    expect(tokenize('v8 引擎 2026')).toEqual(['v8', '引擎', '2026']);
  });
});
