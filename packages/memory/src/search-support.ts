import { InvalidArgumentError } from '@karnel/core';
import { EmbedderRequiredError } from './errors';
import type { SearchFilter, SearchMode, SearchOptions } from './memory-store';
import type { SemanticItem } from './semantic-item';

/** The notice a search adds when it runs full-text because no embedding model is configured. */
export const FULL_TEXT_ONLY_NOTICE =
  'no embedding model is configured, so this search is full-text only (BM25)';

/**
 * Decides the mode a search runs in: `auto` becomes hybrid with an embedder and full-text
 * without (with a notice); an explicit vector or hybrid request without an embedder throws.
 */
export function resolveSearchMode(
  requested: SearchOptions['mode'],
  hasEmbedder: boolean,
  backend: string,
): { mode: SearchMode; notices: string[] } {
  const wanted = requested ?? 'auto';
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

/** The `k` of a search, checked. */
export function searchLimit(options: SearchOptions | undefined): number {
  const k = options?.k ?? 10;
  if (!Number.isInteger(k) || k < 1)
    throw new InvalidArgumentError({
      argument: 'k',
      value: k,
      message: 'must be a positive integer',
    });
  return k;
}

/** How many candidates each ranking contributes to a hybrid fusion of the top `k`. */
export function hybridDepth(k: number): number {
  return Math.max(k * 4, 50);
}
