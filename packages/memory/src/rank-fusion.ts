/** One ranked list given to {@link reciprocalRankFusion}: keys, best first. */
export type RankedList<Key> = readonly Key[];

/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): each key scores
 * `Σ 1 / (k + rank)` over the lists it appears in (rank from 1). Fusion needs only ranks, not
 * scores, which is what makes BM25 and cosine similarity combinable. `k = 60` is the value the
 * paper found robust, and LanceDB's RRF reranker uses.
 */
export function reciprocalRankFusion<Key>(
  lists: readonly RankedList<Key>[],
  k = 60,
): { key: Key; score: number; lists: number[] }[] {
  const fused = new Map<Key, { key: Key; score: number; lists: number[] }>();
  lists.forEach((list, listIndex) => {
    list.forEach((key, position) => {
      let entry = fused.get(key);
      if (!entry) {
        entry = { key, score: 0, lists: [] };
        fused.set(key, entry);
      }
      entry.score += 1 / (k + position + 1);
      entry.lists.push(listIndex);
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score);
}
