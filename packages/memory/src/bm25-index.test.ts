import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bm25Index } from './bm25-index';
import { tokenize } from './tokenize';

/** Okapi BM25 the plain way: score every document, sort them all (stable), cut at `limit`. */
function rankPlainly(
  documents: ReadonlyMap<string, string>,
  query: string,
  limit: number,
  accept: (key: string) => boolean,
): { key: string; score: number }[] {
  const terms = [...new Set(tokenize(query))];
  const tokens = new Map([...documents].map(([key, text]) => [key, tokenize(text)]));
  const count = tokens.size;
  if (terms.length === 0 || count === 0 || limit <= 0) return [];
  let total = 0;
  for (const list of tokens.values()) total += list.length;
  const average = total / count || 1;
  const scores = new Map<string, number>();
  for (const term of terms) {
    const having = [...tokens].filter(([, list]) => list.includes(term));
    const idf = Math.log(1 + (count - having.length + 0.5) / (having.length + 0.5));
    for (const [key, list] of having) {
      const frequency = list.filter((token) => token === term).length;
      const weight =
        (frequency * 2.2) / (frequency + 1.2 * (0.25 + (0.75 * list.length) / average));
      scores.set(key, (scores.get(key) ?? 0) + idf * weight);
    }
  }
  return [...scores]
    .filter(([key]) => accept(key))
    .map(([key, score]) => ({ key, score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}

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

  it('ranks exactly as scoring every document and sorting them all would, ties included', () => {
    const word = fc.constantFrom('apple', 'pear', 'plum', 'cherry', 'fig', 'lime', 'kiwi', 'date');
    const text = fc.array(word, { minLength: 1, maxLength: 6 }).map((words) => words.join(' '));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), text), {
          maxLength: 30,
        }),
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom('a', 'e', 'none'),
        (writes, queryWords, limit, refused) => {
          const index = new Bm25Index<string>();
          const documents = new Map<string, string>();
          for (const [key, value] of writes) {
            index.add(key, value);
            // A replaced document is reached where its new version was added.
            documents.delete(key);
            documents.set(key, value);
          }
          const query = queryWords.join(' ');
          const accept = (key: string) => key !== refused;
          const expected = rankPlainly(documents, query, limit, accept);
          const actual = index.search(query, limit, accept);
          expect(actual.map((hit) => hit.key)).toEqual(expected.map((hit) => hit.key));
          for (const [position, hit] of actual.entries())
            expect(hit.score).toBeCloseTo(expected[position]!.score, 9);
        },
      ),
    );
  });
});
