import { describe, expect, it } from 'vitest';
import { Bm25Index } from './bm25-index';

describe('Bm25Index', () => {
  it('ranks documents with rarer matching terms first and filters before ranking', () => {
    const index = new Bm25Index<string>();
    index.add('a', 'the newsletter open rate rose');
    index.add('b', 'newsletter newsletter newsletter');
    index.add('c', 'GPU prices fell');
    expect(index.search('open rate newsletter', 10).map((hit) => hit.key)).toEqual(['a', 'b']);
    expect(index.search('newsletter', 1, (key) => key !== 'b').map((hit) => hit.key)).toEqual([
      'a',
    ]);
    expect(index.search('the', 10)).toEqual([]);
  });

  it('replaces and removes documents', () => {
    const index = new Bm25Index<string>();
    index.add('a', 'first words');
    index.add('a', 'second words');
    expect(index.search('first', 10)).toEqual([]);
    expect(index.matchAll('second words')).toEqual(new Set(['a']));
    index.remove('a');
    expect(index.size).toBe(0);
    expect(index.matchAll('second')).toEqual(new Set());
  });
});
