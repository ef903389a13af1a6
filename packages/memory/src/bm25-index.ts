import { tokenize } from './tokenize';

/** One scored document of a {@link Bm25Index} search. */
export interface Bm25Hit<Key> {
  /** The document's key. */
  readonly key: Key;
  /** Its Okapi BM25 score; higher is better. */
  readonly score: number;
}

/**
 * An in-memory inverted index with Okapi BM25 ranking (k1 = 1.2, b = 0.75), the files
 * backend's full-text search. Documents are added and replaced by key; the index is rebuilt
 * from the files each time a store opens, so it never needs to be saved.
 */
export class Bm25Index<Key> {
  readonly #postings = new Map<string, Map<number, number>>();
  readonly #documents = new Map<number, { key: Key; terms: Map<string, number>; length: number }>();
  readonly #numbers = new Map<Key, number>();
  #next = 0;
  #totalLength = 0;

  /** How many documents the index holds. */
  get size(): number {
    return this.#documents.size;
  }

  /** Indexes `text` under `key`, replacing what was indexed under it before. */
  add(key: Key, text: string): void {
    this.remove(key);
    const number = this.#next++;
    const terms = new Map<string, number>();
    const tokens = tokenize(text);
    for (const term of tokens) terms.set(term, (terms.get(term) ?? 0) + 1);
    for (const [term, frequency] of terms) {
      let posting = this.#postings.get(term);
      if (!posting) {
        posting = new Map();
        this.#postings.set(term, posting);
      }
      posting.set(number, frequency);
    }
    this.#documents.set(number, { key, terms, length: tokens.length });
    this.#numbers.set(key, number);
    this.#totalLength += tokens.length;
  }

  /** Removes the document indexed under `key`, if any. */
  remove(key: Key): void {
    const number = this.#numbers.get(key);
    if (number === undefined) return;
    const document = this.#documents.get(number)!;
    for (const term of document.terms.keys()) {
      const posting = this.#postings.get(term)!;
      posting.delete(number);
      if (posting.size === 0) this.#postings.delete(term);
    }
    this.#documents.delete(number);
    this.#numbers.delete(key);
    this.#totalLength -= document.length;
  }

  /**
   * The `limit` documents that best match any term of `query`, best first. `accept` filters
   * documents before they are ranked, so a filter never shortens the list below `limit`
   * while matching documents remain.
   */
  search(query: string, limit: number, accept?: (key: Key) => boolean): Bm25Hit<Key>[] {
    const terms = [...new Set(tokenize(query))];
    const count = this.#documents.size;
    if (terms.length === 0 || count === 0 || limit <= 0) return [];
    const averageLength = this.#totalLength / count || 1;
    const scores = new Map<number, number>();
    for (const term of terms) {
      const posting = this.#postings.get(term);
      if (!posting) continue;
      const idf = Math.log(1 + (count - posting.size + 0.5) / (posting.size + 0.5));
      for (const [number, frequency] of posting) {
        const length = this.#documents.get(number)!.length;
        const weight =
          (frequency * 2.2) / (frequency + 1.2 * (0.25 + (0.75 * length) / averageLength));
        scores.set(number, (scores.get(number) ?? 0) + idf * weight);
      }
    }
    const hits: Bm25Hit<Key>[] = [];
    for (const [number, score] of scores) {
      const key = this.#documents.get(number)!.key;
      if (accept && !accept(key)) continue;
      hits.push({ key, score });
    }
    hits.sort((a, b) => b.score - a.score);
    return hits.slice(0, limit);
  }

  /** The keys of every document containing all terms of `query` (none when it has no terms). */
  matchAll(query: string): Set<Key> {
    const terms = [...new Set(tokenize(query))];
    const result = new Set<Key>();
    if (terms.length === 0) return result;
    const postings = terms.map((term) => this.#postings.get(term));
    if (postings.some((posting) => posting === undefined)) return result;
    const ordered = (postings as Map<number, number>[]).sort((a, b) => a.size - b.size);
    for (const number of ordered[0]!.keys()) {
      if (ordered.every((posting) => posting.has(number)))
        result.add(this.#documents.get(number)!.key);
    }
    return result;
  }
}
