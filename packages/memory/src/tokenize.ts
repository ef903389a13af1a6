import { porterStem } from './porter-stemmer';

/**
 * English words too common to help retrieval. Dropped from documents and queries alike, so a
 * query such as "the launch" matches the way "launch" does.
 */
const stopWords = new Set(
  'a an and are as at be but by for from has have if in into is it its of on or that the their then there these this to was were will with'.split(
    ' ',
  ),
);

const maximumTokenLength = 40;

/**
 * Splits text into the terms the files backend indexes and searches: Unicode letters and
 * digits, lowercased, accents removed, common English words dropped, and English word forms
 * reduced to a stem (Porter), as SQLite's `porter unicode61` tokenizer does.
 */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  for (const match of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (word.length > maximumTokenLength || stopWords.has(word)) continue;
    terms.push(porterStem(word));
  }
  return terms;
}

/**
 * The words of a search query as typed — folded and lowercased like {@link tokenize}, stop
 * words dropped, but not stemmed — for engines that stem on their own (SQLite FTS5, LanceDB).
 */
export function queryWords(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  const words: string[] = [];
  for (const match of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (word.length <= maximumTokenLength && !stopWords.has(word)) words.push(word);
  }
  return [...new Set(words)];
}
