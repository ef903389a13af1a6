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
  /** Each document's length in terms, by number (for scoring without a map lookup). */
  readonly #lengths: number[] = [];
  /** Scratch scores by document number, all zero between searches. */
  #scores = new Float64Array(0);
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
    this.#lengths[number] = tokens.length;
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
    this.#lengths[number] = 0;
    this.#totalLength -= document.length;
  }

  /**
   * The `limit` documents that best match any term of `query`, best first (equal scores in the
   * order the documents were first reached: the query's terms in order, each term's documents
   * in the order they were added). `accept` filters documents before they are ranked, so a
   * filter never shortens the list below `limit` while matching documents remain. Only the
   * best `limit` are kept while ranking, so the cost is that of scoring the matching postings.
   */
  search(query: string, limit: number, accept?: (key: Key) => boolean): Bm25Hit<Key>[] {
    const terms = [...new Set(tokenize(query))];
    const count = this.#documents.size;
    if (terms.length === 0 || count === 0 || limit <= 0) return [];
    const averageLength = this.#totalLength / count || 1;
    if (this.#scores.length < this.#next) {
      this.#scores = new Float64Array(Math.max(this.#next, this.#scores.length * 2));
    }
    const scores = this.#scores;
    const reached: number[] = [];
    try {
      for (const term of terms) {
        const posting = this.#postings.get(term);
        if (!posting) continue;
        const idf = Math.log(1 + (count - posting.size + 0.5) / (posting.size + 0.5));
        for (const [number, frequency] of posting) {
          const length = this.#lengths[number]!;
          const weight =
            (frequency * 2.2) / (frequency + 1.2 * (0.25 + (0.75 * length) / averageLength));
          if (scores[number] === 0) reached.push(number);
          scores[number]! += idf * weight;
        }
      }
      // A bounded heap of the best so far, worst at the root: worse = lower score, or the same
      // score reached later.
      const heap: { number: number; score: number; order: number }[] = [];
      const worse = (a: (typeof heap)[number], b: (typeof heap)[number]) =>
        a.score < b.score || (a.score === b.score && a.order > b.order);
      for (let order = 0; order < reached.length; order++) {
        const number = reached[order]!;
        const score = scores[number]!;
        const candidate = { number, score, order };
        if (heap.length >= limit && !worse(heap[0]!, candidate)) continue;
        if (accept && !accept(this.#documents.get(number)!.key)) continue;
        if (heap.length < limit) {
          heap.push(candidate);
          siftUp(heap, heap.length - 1, worse);
        } else {
          heap[0] = candidate;
          siftDown(heap, 0, worse);
        }
      }
      heap.sort((a, b) => b.score - a.score || a.order - b.order);
      return heap.map((entry) => ({
        key: this.#documents.get(entry.number)!.key,
        score: entry.score,
      }));
    } finally {
      for (const number of reached) scores[number] = 0;
    }
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

function siftUp<T>(heap: T[], index: number, worse: (a: T, b: T) => boolean): void {
  let child = index;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    if (!worse(heap[child]!, heap[parent]!)) break;
    [heap[child], heap[parent]] = [heap[parent]!, heap[child]!];
    child = parent;
  }
}

function siftDown<T>(heap: T[], index: number, worse: (a: T, b: T) => boolean): void {
  let parent = index;
  for (;;) {
    const left = 2 * parent + 1;
    const right = left + 1;
    let worst = parent;
    if (left < heap.length && worse(heap[left]!, heap[worst]!)) worst = left;
    if (right < heap.length && worse(heap[right]!, heap[worst]!)) worst = right;
    if (worst === parent) return;
    [heap[worst], heap[parent]] = [heap[parent]!, heap[worst]!];
    parent = worst;
  }
}
