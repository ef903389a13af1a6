import { join } from 'node:path';
import { createDiagnostic } from '@karnel/core';
import { Bm25Index } from '../bm25-index';
import { diagnosticListener } from '../diagnostic-listener';
import type { Episode } from '../episode';
import { type CompiledEpisodeQuery, orderAndLimit } from '../episode-query';
import { appendJsonLines, JsonLinesTail, type TailLine } from '../jsonl-files';
import type {
  DiagnosticListener,
  EpisodeAppendOptions,
  MemoryDriver,
  RankedEpisode,
  RankedItem,
  RankedSearchOptions,
  VectorSearchRequest,
} from '../memory-driver';
import { type MemoryLayout, memoryLayout } from '../memory-layout';
import { episodeMatchesFilter, matchesFilter } from '../search-support';
import { type SemanticItem, searchableText } from '../semantic-item';
import {
  embedderSlug,
  isStoredEpisode,
  isStoredSemanticItem,
  textFingerprint,
} from '../stored-records';
import { decodeVector, dot, encodeVector } from '../vector-math';

/** Options of {@link createFilesDriver}. */
export interface FilesDriverOptions {
  /** The memory directory. Created on first write. */
  dir: string;
  /** Where damaged lines that were skipped are reported. Default: a process warning. */
  onDiagnostic?: DiagnosticListener;
  /**
   * The folder every file of this memory must really be inside (the group's root): a file that
   * a symbolic link leads out of it is neither read nor written, the call throws an
   * `OutsideRootError` (`@karnel/core`). Default: none, links are followed.
   */
  root?: string;
}

interface StoredEpisode {
  readonly record: Episode;
  readonly time: number;
  readonly sequence: number;
}

interface StoredVector {
  readonly fingerprint: string;
  readonly vector: Float32Array;
}

/**
 * The files driver: the Karnel format's own layout and nothing else — `episodic.jsonl`,
 * `semantic/items.jsonl` (plus cached embeddings in `semantic/vectors/`). It needs only Node.
 * Search runs over in-memory BM25 indexes (and brute-force cosine similarity with an embedder),
 * built from the files when first used, which suits one agent's memory up to some hundred
 * thousand entries; later calls read only the lines appended since (a file that was replaced,
 * cut or removed is read again whole). Appends are serialised by a lock file; readers only see
 * complete lines.
 */
export function createFilesDriver(options: FilesDriverOptions): MemoryDriver {
  const state = new FilesState(options);
  return {
    specificationVersion: 'v1',
    name: 'files',
    dir: options.dir,
    flags: { filesLayout: true },
    episodic: {
      append: (episodes, appendOptions) => state.appendEpisodes(episodes, appendOptions),
      read: (query) => state.readEpisodes(query),
      search: (query, searchOptions) => state.searchEpisodes(query, searchOptions),
    },
    semantic: {
      upsert: (items, vectors) => state.upsertItems(items, vectors),
      list: () => state.listItems(),
      searchText: (query, searchOptions) => state.searchItems(query, searchOptions),
      searchVector: (request) => state.searchVectors(request),
    },
    // Nothing stays open between calls: every append opens, locks, syncs and closes.
    close: async () => {},
  };
}

class FilesState {
  readonly #layout: MemoryLayout;
  readonly #report: DiagnosticListener;
  readonly #root: string | undefined;

  readonly #episodeTail: JsonLinesTail;
  #episodes: StoredEpisode[] = [];
  /** The same episodes ordered by time, ties by position: what `readEpisodes` returns from. */
  #episodesByTime: StoredEpisode[] = [];
  #episodeIds = new Set<string>();
  #episodeIndex: Bm25Index<number> | undefined;
  /** Whether this store has read the log once, so that damage in it has been reported. */
  #episodesRead = false;

  readonly #itemTail: JsonLinesTail;
  #items = new Map<string, SemanticItem>();
  #itemIndex = new Bm25Index<string>();

  readonly #vectorTails = new Map<string, JsonLinesTail>();
  readonly #vectors = new Map<string, Map<string, StoredVector>>();

  constructor(options: FilesDriverOptions) {
    this.#layout = memoryLayout(options.dir);
    this.#report = diagnosticListener(options.onDiagnostic);
    this.#root = options.root;
    this.#episodeTail = new JsonLinesTail(this.#layout.episodic, this.#report, options.root);
    this.#itemTail = new JsonLinesTail(this.#layout.semanticItems, this.#report, options.root);
  }

  async appendEpisodes(
    episodes: readonly Episode[],
    { select }: EpisodeAppendOptions = {},
  ): Promise<readonly Episode[]> {
    let written = episodes;
    await appendJsonLines(
      this.#layout.episodic,
      async () => {
        // The first append reads the log once, so that a damaged line in it is reported even
        // by a store that only appends; later appends read it only to check chosen ids.
        if (select || !this.#episodesRead) await this.#refreshEpisodes();
        if (select) {
          written = select(
            new Set(episodes.map((episode) => episode.id).filter((id) => this.#episodeIds.has(id))),
          );
        }
        return written.map((episode) => JSON.stringify(episode));
      },
      this.#report,
      this.#root,
    );
    return written;
  }

  async readEpisodes(query: CompiledEpisodeQuery): Promise<Episode[]> {
    await this.#refreshEpisodes();
    if (query.text === undefined) return this.#readByTime(query);
    const matching = this.#episodeTextIndex().matchAll(query.text);
    const candidates = [...matching].map((sequence) => this.#episodes[sequence]!);
    const selected = candidates.filter(
      (entry) =>
        (query.fromMs === undefined || entry.time >= query.fromMs) &&
        (query.toMs === undefined || entry.time < query.toMs) &&
        (query.kinds === undefined || query.kinds.has(entry.record.kind)),
    );
    return orderAndLimit(selected, query);
  }

  /**
   * Reads from the episodes kept in time order: the time bounds by binary search, then only as
   * many episodes as the limit takes (plus those of other kinds skipped on the way), so that the
   * usual "the 10 most recent" costs the same whatever the history's length.
   */
  #readByTime(query: CompiledEpisodeQuery): Episode[] {
    const ordered = this.#episodesByTime;
    const low = query.fromMs === undefined ? 0 : firstAtOrAfter(ordered, query.fromMs);
    const high = query.toMs === undefined ? ordered.length : firstAtOrAfter(ordered, query.toMs);
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const result: Episode[] = [];
    const step = query.descending ? -1 : 1;
    for (
      let index = query.descending ? high - 1 : low;
      index >= low && index < high && result.length < limit;
      index += step
    ) {
      const entry = ordered[index]!;
      if (query.kinds === undefined || query.kinds.has(entry.record.kind))
        result.push(entry.record);
    }
    return result;
  }

  async searchEpisodes(query: string, options: RankedSearchOptions): Promise<RankedEpisode[]> {
    await this.#refreshEpisodes();
    const accept = (sequence: number) =>
      episodeMatchesFilter(this.#episodes[sequence]!.record, options.filter);
    return this.#episodeTextIndex()
      .search(query, options.limit, accept)
      .map((hit) => ({ episode: this.#episodes[hit.key]!.record, score: hit.score }));
  }

  async upsertItems(
    items: readonly SemanticItem[],
    vectors?: {
      readonly embedder: { readonly id: string };
      readonly vectors: readonly Float32Array[];
    },
  ): Promise<void> {
    await appendJsonLines(
      this.#layout.semanticItems,
      items.map((item) => JSON.stringify(item)),
      this.#report,
      this.#root,
    );
    if (vectors) {
      await appendJsonLines(
        this.#vectorPath(vectors.embedder.id),
        items.map((item, index) =>
          JSON.stringify({
            id: item.id,
            fingerprint: textFingerprint(searchableText(item)),
            vector: encodeVector(vectors.vectors[index]!),
          }),
        ),
        this.#report,
        this.#root,
      );
    }
  }

  async listItems(): Promise<SemanticItem[]> {
    await this.#refreshItems();
    return [...this.#items.values()].sort(
      (a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }

  async searchItems(query: string, options: RankedSearchOptions): Promise<RankedItem[]> {
    await this.#refreshItems();
    const accept = (id: string) => matchesFilter(this.#items.get(id)!, options.filter);
    return this.#itemIndex
      .search(query, options.limit, accept)
      .map((hit) => ({ item: this.#items.get(hit.key)!, score: hit.score }));
  }

  async searchVectors(request: VectorSearchRequest): Promise<RankedItem[]> {
    const { embedder } = request;
    await this.#refreshItems();
    let vectors = await this.#refreshVectors(embedder.id);
    // Items written by a store without this embedder (or changed since) are embedded now.
    const missing = [...this.#items.values()].filter(
      (item) => vectors.get(item.id)?.fingerprint !== textFingerprint(searchableText(item)),
    );
    if (missing.length > 0) {
      const embedded = await embedder.embedDocuments(missing.map(searchableText));
      await appendJsonLines(
        this.#vectorPath(embedder.id),
        missing.map((item, index) =>
          JSON.stringify({
            id: item.id,
            fingerprint: textFingerprint(searchableText(item)),
            vector: encodeVector(embedded[index]!),
          }),
        ),
        this.#report,
        this.#root,
      );
      vectors = await this.#refreshVectors(embedder.id);
    }
    const scored: RankedItem[] = [];
    for (const item of this.#items.values()) {
      if (!matchesFilter(item, request.filter)) continue;
      const stored = vectors.get(item.id);
      if (!stored) continue;
      scored.push({ item, score: dot(request.vector, stored.vector) });
    }
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, request.limit);
  }

  #vectorPath(embedderId: string): string {
    return join(this.#layout.semanticVectors, `${embedderSlug(embedderId)}.jsonl`);
  }

  async #refreshEpisodes(): Promise<void> {
    this.#episodesRead = true;
    const { restarted, lines } = await this.#episodeTail.readNew();
    if (restarted) {
      // The log was replaced or cut: what was built from it is rebuilt from the new file.
      this.#episodes = [];
      this.#episodesByTime = [];
      this.#episodeIds = new Set();
      this.#episodeIndex = undefined;
    }
    for (const line of lines) {
      const { value } = line;
      if (!isStoredEpisode(value)) {
        this.#skipped(line, this.#layout.episodic, 'is not an episode');
        continue;
      }
      if (this.#episodeIds.has(value.id)) {
        this.#skipped(
          line,
          this.#layout.episodic,
          `repeats the id ${value.id}`,
          'memory/duplicate-id',
        );
        continue;
      }
      const sequence = this.#episodes.length;
      const entry = { record: value, time: Date.parse(value.at), sequence };
      this.#episodes.push(entry);
      insertByTime(this.#episodesByTime, entry);
      this.#episodeIds.add(value.id);
      this.#episodeIndex?.add(sequence, value.text);
    }
  }

  #skipped(
    line: TailLine,
    file: string,
    problem: string,
    code: 'memory/bad-record' | 'memory/duplicate-id' = 'memory/bad-record',
  ): void {
    this.#report(
      createDiagnostic({
        file,
        line: line.line,
        column: 1,
        code,
        message: `skipped a line that ${problem}; run karnel validate for details`,
      }),
    );
  }

  #episodeTextIndex(): Bm25Index<number> {
    if (!this.#episodeIndex) {
      const index = new Bm25Index<number>();
      for (const entry of this.#episodes) index.add(entry.sequence, entry.record.text);
      this.#episodeIndex = index;
    }
    return this.#episodeIndex;
  }

  async #refreshItems(): Promise<void> {
    const { restarted, lines } = await this.#itemTail.readNew();
    if (restarted) {
      this.#items = new Map();
      this.#itemIndex = new Bm25Index<string>();
    }
    for (const line of lines) {
      const { value } = line;
      if (!isStoredSemanticItem(value)) {
        this.#skipped(line, this.#layout.semanticItems, 'is not a semantic item');
        continue;
      }
      this.#items.set(value.id, value);
      this.#itemIndex.add(value.id, searchableText(value));
    }
  }

  async #refreshVectors(embedderId: string): Promise<Map<string, StoredVector>> {
    let tail = this.#vectorTails.get(embedderId);
    let vectors = this.#vectors.get(embedderId);
    if (!tail || !vectors) {
      // Vectors are a cache that can be rebuilt: damage there is not worth a report.
      tail = new JsonLinesTail(this.#vectorPath(embedderId), () => {}, this.#root);
      vectors = new Map();
      this.#vectorTails.set(embedderId, tail);
      this.#vectors.set(embedderId, vectors);
    }
    const { restarted, lines } = await tail.readNew();
    if (restarted) vectors.clear();
    for (const { value } of lines) {
      const record = value as { id?: unknown; fingerprint?: unknown; vector?: unknown };
      if (
        typeof record.id !== 'string' ||
        typeof record.fingerprint !== 'string' ||
        typeof record.vector !== 'string'
      )
        continue;
      vectors.set(record.id, {
        fingerprint: record.fingerprint,
        vector: decodeVector(record.vector),
      });
    }
    return vectors;
  }
}

/** The index of the first episode at or after `time` in episodes ordered by time. */
function firstAtOrAfter(ordered: readonly StoredEpisode[], time: number): number {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ordered[middle]!.time < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Inserts a newly read episode into episodes ordered by time, ties by position. Episodes are
 * usually appended in time order, so this is a push; an older one (an import) is placed after
 * every episode of the same or an earlier time, since its position is the last.
 */
function insertByTime(ordered: StoredEpisode[], entry: StoredEpisode): void {
  const last = ordered.at(-1);
  if (last === undefined || last.time <= entry.time) {
    ordered.push(entry);
    return;
  }
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ordered[middle]!.time <= entry.time) low = middle + 1;
    else high = middle;
  }
  ordered.splice(low, 0, entry);
}
