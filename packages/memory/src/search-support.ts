import { InvalidArgumentError } from '@karnel/core';
import type { Episode } from './episode';
import { EmbedderRequiredError } from './errors';
import type { MemoryTier, SearchFilter, SearchMode, SearchOptions } from './memory-store';
import type { SemanticItem } from './semantic-item';

/** The notice a search adds when it runs full-text because no embedding model is configured. */
export const FULL_TEXT_ONLY_NOTICE =
  'no embedding model is configured, so this search is full-text only (BM25)';

/** The notice a hybrid search adds when its query has no searchable words. */
export const NO_SEARCHABLE_WORDS_NOTICE =
  'the query has no searchable words, so this hybrid search ranked by vector similarity alone';

/** The largest `k` a search accepts: a bound on what one call may ask a store to rank and return. */
export const MAX_SEARCH_K = 1000;

/**
 * Decides the mode a search runs in: `auto` becomes hybrid when the store can search vectors
 * (it has an embedder, and its driver stores vectors) and full-text otherwise (with a notice);
 * an explicit vector or hybrid request to a store that cannot throws.
 */
export function resolveSearchMode(
  requested: SearchOptions['mode'],
  store: { readonly embedder: boolean; readonly backend: string },
): { mode: SearchMode; notices: string[] } {
  const hasEmbedder = store.embedder;
  const backend = store.backend;
  const wanted = requested ?? 'auto';
  if (!['auto', 'full-text', 'vector', 'hybrid'].includes(wanted)) {
    throw new InvalidArgumentError({
      argument: 'options.mode',
      value: wanted,
      message: 'must be auto, full-text, vector or hybrid',
    });
  }
  if (wanted === 'auto') {
    return hasEmbedder
      ? { mode: 'hybrid', notices: [] }
      : { mode: 'full-text', notices: [FULL_TEXT_ONLY_NOTICE] };
  }
  if (wanted !== 'full-text' && !hasEmbedder)
    throw new EmbedderRequiredError({ mode: wanted, backend });
  return { mode: wanted, notices: [] };
}

/** Whether `item` passes `filter`. */
export function matchesFilter(item: SemanticItem, filter: SearchFilter | undefined): boolean {
  if (!filter) return true;
  if (
    filter.kinds &&
    filter.kinds.length > 0 &&
    (item.kind === undefined || !filter.kinds.includes(item.kind))
  )
    return false;
  if (
    filter.tags &&
    filter.tags.length > 0 &&
    !filter.tags.every((tag) => item.tags?.includes(tag))
  )
    return false;
  if (
    filter.sourcePrefix !== undefined &&
    !item.sources.some((source) => source.startsWith(filter.sourcePrefix!))
  )
    return false;
  return true;
}

/** Whether `episode` passes `filter` (its kind, tags and sources, as for items). */
export function episodeMatchesFilter(episode: Episode, filter: SearchFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.kinds && filter.kinds.length > 0 && !filter.kinds.includes(episode.kind)) return false;
  if (
    filter.tags &&
    filter.tags.length > 0 &&
    !filter.tags.every((tag) => episode.tags?.includes(tag))
  )
    return false;
  if (
    filter.sourcePrefix !== undefined &&
    !(episode.sources ?? []).some((source) => source.startsWith(filter.sourcePrefix!))
  )
    return false;
  return true;
}

/** Whether `filter` narrows anything. */
export function filterNarrows(filter: SearchFilter | undefined): boolean {
  return Boolean(
    filter &&
      ((filter.kinds && filter.kinds.length > 0) ||
        (filter.tags && filter.tags.length > 0) ||
        filter.sourcePrefix !== undefined),
  );
}

/** The `k` of a search, checked: an integer from 1 to {@link MAX_SEARCH_K}. */
export function searchLimit(options: SearchOptions | undefined): number {
  const k = options?.k ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > MAX_SEARCH_K)
    throw new InvalidArgumentError({
      argument: 'k',
      value: k,
      message: `must be an integer from 1 to ${MAX_SEARCH_K}`,
    });
  return k;
}

/** The tiers a search covers, checked. Default: semantic and episodic. */
export function searchTiers(options: SearchOptions | undefined): ReadonlySet<MemoryTier> {
  const tiers = options?.tiers ?? ['semantic', 'episodic'];
  for (const tier of tiers) {
    if (tier !== 'semantic' && tier !== 'episodic') {
      throw new InvalidArgumentError({
        argument: 'options.tiers',
        value: tier,
        message: 'each tier must be "semantic" or "episodic"',
      });
    }
  }
  return new Set(tiers);
}

/** How many candidates each ranking contributes to a hybrid fusion of the top `k`. */
export function hybridDepth(k: number): number {
  return Math.max(k * 4, 50);
}
