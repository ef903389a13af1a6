import { InvalidArgumentError, isRfc3339 } from '@karnel/core';
import { assertMemoryStore } from './assert-memory-store';
import { derivedId } from './derived-id';
import { CONSOLIDATION_KIND, type Episode } from './episode';
import type { MemoryStore } from './memory-store';
import type { SemanticItem, SemanticItemInput } from './semantic-item';

/**
 * Turns a batch of episodes into semantic items: the judgement step of consolidation, usually a
 * language model summarising what the episodes taught. Items without `sources` get the batch's
 * episode ids; items without an `id` get one derived from the batch.
 */
export type CondenseEpisodes = (
  batch: readonly Episode[],
) => Promise<SemanticItemInput | readonly SemanticItemInput[]>;

/** Options of {@link consolidateEpisodes}. */
export interface ConsolidateEpisodesOptions {
  /** The memory to consolidate. */
  store: MemoryStore;
  /** The caller's condensing step (see {@link CondenseEpisodes}). */
  condense: CondenseEpisodes;
  /** Only episodes strictly older than this are consolidated (e.g. a week ago). */
  before: string | Date;
  /** Episodes per batch. Default 50. */
  batchSize?: number;
  /** Stop after this many batches (to bound the cost of one run). Default: no limit. */
  maxBatches?: number;
  /** Only episodes of these kinds. Default: every kind except Karnel's own (`karnel.*`). */
  kinds?: readonly string[];
  /**
   * Batches never mix episodes with different keys; e.g. `(episode) => episode.kind` condenses
   * each kind separately. Default: one key for all.
   */
  groupBy?: (episode: Episode) => string;
}

/** What a consolidation did. */
export interface ConsolidationReport {
  /** Batches condensed. */
  readonly batches: number;
  /** Episodes marked as consolidated. */
  readonly episodes: number;
  /** Semantic items written. */
  readonly items: readonly SemanticItem[];
  /** The marker episodes appended, one per batch. */
  readonly markers: readonly Episode[];
}

/**
 * Condenses old episodic entries into semantic items. The judgement (what a batch of episodes
 * means) is the caller's `condense`; everything else is deterministic and done here:
 *
 * 1. select the episodes older than `before` that no earlier consolidation covered, in time
 *    order, leaving out Karnel's own entries;
 * 2. cut them into batches of `batchSize` (never mixing `groupBy` keys);
 * 3. for each batch, write the condensed items — with the batch's episode ids as their sources
 *    and ids derived from the batch — then append a `karnel.consolidation` episode that names
 *    the batch's episodes and the items made from them.
 *
 * Nothing is deleted: episodes stay in the log, and the marker is how later runs (and readers)
 * know they were consolidated. A run interrupted between writing items and appending the
 * marker repeats that batch next time and, the ids being derived, replaces its items rather
 * than duplicating them.
 */
export async function consolidateEpisodes({
  store,
  condense,
  before,
  batchSize = 50,
  maxBatches = Number.POSITIVE_INFINITY,
  kinds,
  groupBy = () => '',
}: ConsolidateEpisodesOptions): Promise<ConsolidationReport> {
  assertMemoryStore(store);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError({
      argument: 'batchSize',
      value: batchSize,
      message: 'must be a positive integer',
    });
  }
  const pending = await listUnconsolidatedEpisodes(store, { before, kinds });
  const groups = new Map<string, Episode[]>();
  for (const episode of pending) {
    const key = groupBy(episode);
    let group = groups.get(key);
    if (!group) {
      group = [];
      groups.set(key, group);
    }
    group.push(episode);
  }
  const batches: Episode[][] = [];
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += batchSize)
      batches.push(group.slice(start, start + batchSize));
  }
  batches.sort((a, b) => Date.parse(a[0]!.at) - Date.parse(b[0]!.at));

  const items: SemanticItem[] = [];
  const markers: Episode[] = [];
  let episodes = 0;
  for (const batch of batches.slice(0, maxBatches)) {
    const ids = batch.map((episode) => episode.id);
    const seed = ids.join(',');
    const lastTime = Date.parse(batch.at(-1)!.at);
    const condensed = await condense(batch);
    const inputs = (
      Array.isArray(condensed) ? condensed : [condensed]
    ) as readonly SemanticItemInput[];
    const written = await store.upsertSemantic(
      inputs.map((input, index) => ({
        ...input,
        id: input.id ?? derivedId('mem', lastTime, `${seed}#${index}`),
        sources: input.sources && input.sources.length > 0 ? input.sources : ids,
      })),
    );
    const marker = await store.appendEpisode({
      kind: CONSOLIDATION_KIND,
      text: `Consolidated ${batch.length} episode(s) from ${batch[0]!.at} to ${batch.at(-1)!.at} into ${written.length} semantic item(s)`,
      sources: written.map((item) => item.id),
      data: { episodes: ids, items: written.map((item) => item.id) },
    });
    items.push(...written);
    markers.push(marker);
    episodes += batch.length;
  }
  return { batches: markers.length, episodes, items, markers };
}

/** Options of {@link listUnconsolidatedEpisodes}. */
export interface ListUnconsolidatedOptions {
  /** Only episodes strictly older than this. Default: all. */
  before?: string | Date;
  /** Only these kinds. Default: every kind except Karnel's own (`karnel.*`). */
  kinds?: readonly string[];
}

/** The episodes no consolidation has covered yet, oldest first. */
export async function listUnconsolidatedEpisodes(
  store: MemoryStore,
  { before, kinds }: ListUnconsolidatedOptions = {},
): Promise<Episode[]> {
  assertMemoryStore(store);
  if (typeof before === 'string' && !isRfc3339(before)) {
    throw new InvalidArgumentError({
      argument: 'before',
      value: before,
      message: 'is not an RFC 3339 timestamp',
    });
  }
  const consolidated = new Set<string>();
  for (const marker of await store.readEpisodes({ kinds: [CONSOLIDATION_KIND] })) {
    const covered = (marker.data as { episodes?: unknown } | undefined)?.episodes;
    if (Array.isArray(covered))
      for (const id of covered) if (typeof id === 'string') consolidated.add(id);
  }
  const candidates = await store.readEpisodes({ to: before, kinds });
  return candidates.filter(
    (episode) =>
      !consolidated.has(episode.id) && (kinds !== undefined || !episode.kind.startsWith('karnel.')),
  );
}
