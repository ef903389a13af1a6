import { join } from 'node:path';
import { type Clock, InvalidArgumentError, systemClock } from '@karnel/core';
import { Bm25Index } from './bm25-index';
import { createEmbedder, type Embedder, searchCapabilities } from './embedder';
import { createEpisode, type Episode, type EpisodeInput } from './episode';
import { compileEpisodeQuery, orderAndLimit } from './episode-query';
import { appendJsonLines, JsonLinesTail } from './jsonl-files';
import { type MemoryLayout, memoryLayout } from './memory-layout';
import { type MemoryStoreOptions, strategicWriterRoles } from './memory-options';
import type {
  AppendEpisodesOptions,
  EpisodeQuery,
  MemoryCapabilities,
  MemoryStore,
  SearchHit,
  SearchOptions,
  SearchResult,
  StrategicUpdateOptions,
} from './memory-store';
import { reciprocalRankFusion } from './rank-fusion';
import { hybridDepth, matchesFilter, resolveSearchMode, searchLimit } from './search-support';
import {
  createSemanticItem,
  type SemanticItem,
  type SemanticItemInput,
  searchableText,
} from './semantic-item';
import {
  embedderSlug,
  isStoredEpisode,
  isStoredSemanticItem,
  textFingerprint,
} from './stored-records';
import type { StrategicMemory } from './strategic-memory';
import type { StrategicRevision } from './strategic-revision';
import { StrategicStore } from './strategic-store';
import type { StrategicUpdate } from './strategic-update';
import { decodeVector, dot, encodeVector } from './vector-math';

/** Options of {@link createFileMemory}. */
export interface FileMemoryOptions extends MemoryStoreOptions {}

/**
 * Creates the files backend, the default: the Karnel format's own layout and nothing else —
 * `episodic.jsonl`, `semantic/items.jsonl` (plus cached embeddings in `semantic/vectors/`),
 * `strategic.yaml` and its history. It needs only Node. Search runs over an in-memory BM25
 * index (and brute-force cosine similarity with an embedder), rebuilt from the files when the
 * store opens, which suits one agent's memory up to some hundred thousand entries.
 *
 * Several processes may read and write at once: appends are serialised by a lock file, and
 * readers only ever see complete lines.
 */
export function createFileMemory(options: FileMemoryOptions): MemoryStore {
  return new FileMemoryStore(options);
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

class FileMemoryStore implements MemoryStore {
  readonly specificationVersion = 'v1' as const;
  readonly backend = 'files';
  readonly dir: string;
  readonly capabilities: MemoryCapabilities;

  readonly #layout: MemoryLayout;
  readonly #clock: Clock;
  readonly #embedder: Embedder | undefined;
  readonly #strategic: StrategicStore;

  readonly #episodeTail: JsonLinesTail;
  readonly #episodes: StoredEpisode[] = [];
  readonly #episodeIds = new Set<string>();
  #episodeIndex: Bm25Index<number> | undefined;

  readonly #itemTail: JsonLinesTail;
  readonly #items = new Map<string, SemanticItem>();
  readonly #itemIndex = new Bm25Index<string>();

  readonly #vectorPath: string | undefined;
  readonly #vectorTail: JsonLinesTail | undefined;
  readonly #vectors = new Map<string, StoredVector>();

  constructor(options: FileMemoryOptions) {
    this.dir = options.dir;
    this.#layout = memoryLayout(options.dir);
    this.#clock = options.clock ?? systemClock;
    this.#embedder = options.embedder === undefined ? undefined : createEmbedder(options.embedder);
    this.capabilities = searchCapabilities(this.#embedder);
    this.#strategic = new StrategicStore({
      layout: this.#layout,
      clock: this.#clock,
      writer: options.writer,
      allowedRoles: strategicWriterRoles(options),
    });
    this.#episodeTail = new JsonLinesTail(this.#layout.episodic);
    this.#itemTail = new JsonLinesTail(this.#layout.semanticItems);
    if (this.#embedder) {
      this.#vectorPath = join(
        this.#layout.semanticVectors,
        `${embedderSlug(this.#embedder.id)}.jsonl`,
      );
      this.#vectorTail = new JsonLinesTail(this.#vectorPath);
    }
  }

  async appendEpisode(input: EpisodeInput): Promise<Episode> {
    const [episode] = await this.appendEpisodes([input]);
    return episode!;
  }

  async appendEpisodes(
    inputs: readonly EpisodeInput[],
    { ifExists = 'error' }: AppendEpisodesOptions = {},
  ): Promise<Episode[]> {
    const episodes = inputs.map((input) => createEpisode(input, this.#clock));
    const batch = new Set<string>();
    for (const episode of episodes) {
      if (batch.has(episode.id)) {
        throw new InvalidArgumentError({
          argument: 'inputs',
          value: episode.id,
          message: `episode id ${episode.id} appears twice in one append`,
        });
      }
      batch.add(episode.id);
    }
    // Ids this store makes are new by construction; only ids the caller chose can collide, and
    // they are checked under the log's lock so that two importers cannot both add one.
    const chosenIds = inputs.some((input) => input.id !== undefined);
    let written = episodes;
    await appendJsonLines(this.#layout.episodic, async () => {
      if (chosenIds) {
        await this.#refreshEpisodes();
        written = episodes.filter((episode) => {
          if (!this.#episodeIds.has(episode.id)) return true;
          if (ifExists === 'skip') return false;
          throw new InvalidArgumentError({
            argument: 'inputs',
            value: episode.id,
            message: `episode ${episode.id} is already in ${this.#layout.episodic}`,
          });
        });
      }
      return written.map((episode) => JSON.stringify(episode));
    });
    return written;
  }

  async readEpisodes(query?: EpisodeQuery): Promise<Episode[]> {
    const compiled = compileEpisodeQuery(query);
    await this.#refreshEpisodes();
    let candidates: readonly StoredEpisode[] = this.#episodes;
    if (compiled.text !== undefined) {
      const matching = this.#episodeTextIndex().matchAll(compiled.text);
      candidates = [...matching].map((sequence) => this.#episodes[sequence]!);
    }
    const selected = candidates.filter(
      (entry) =>
        (compiled.fromMs === undefined || entry.time >= compiled.fromMs) &&
        (compiled.toMs === undefined || entry.time < compiled.toMs) &&
        (compiled.kinds === undefined || compiled.kinds.has(entry.record.kind)),
    );
    return orderAndLimit(selected, compiled);
  }

  async upsertSemantic(inputs: readonly SemanticItemInput[]): Promise<SemanticItem[]> {
    const items = inputs.map((input) => createSemanticItem(input, this.#clock));
    // Embed before writing, so a failing embedder leaves nothing half-stored.
    const vectors = this.#embedder
      ? await this.#embedder.embedDocuments(items.map(searchableText))
      : undefined;
    await appendJsonLines(
      this.#layout.semanticItems,
      items.map((item) => JSON.stringify(item)),
    );
    if (vectors && this.#vectorPath) {
      await appendJsonLines(
        this.#vectorPath,
        items.map((item, index) =>
          JSON.stringify({
            id: item.id,
            fingerprint: textFingerprint(searchableText(item)),
            vector: encodeVector(vectors[index]!),
          }),
        ),
      );
    }
    return items;
  }

  async listSemantic(): Promise<SemanticItem[]> {
    await this.#refreshItems();
    return [...this.#items.values()].sort(
      (a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const k = searchLimit(options);
    const { mode, notices } = resolveSearchMode(
      options.mode,
      this.#embedder !== undefined,
      this.backend,
    );
    await this.#refreshItems();
    const accept = (id: string) => matchesFilter(this.#items.get(id)!, options.filter);
    const depth = mode === 'hybrid' ? hybridDepth(k) : k;
    const fullText = mode === 'vector' ? [] : this.#itemIndex.search(query, depth, accept);
    const vector = mode === 'full-text' ? [] : await this.#vectorSearch(query, depth, accept);
    let hits: SearchHit[];
    if (mode === 'full-text') {
      hits = fullText.map((hit) => ({
        item: this.#items.get(hit.key)!,
        score: hit.score,
        matchedBy: ['full-text'],
      }));
    } else if (mode === 'vector') {
      hits = vector.map((hit) => ({
        item: this.#items.get(hit.key)!,
        score: hit.score,
        matchedBy: ['vector'],
      }));
    } else {
      const fused = reciprocalRankFusion([
        fullText.map((hit) => hit.key),
        vector.map((hit) => hit.key),
      ]);
      hits = fused.map((entry) => ({
        item: this.#items.get(entry.key)!,
        score: entry.score,
        matchedBy: entry.lists.map((list) => (list === 0 ? 'full-text' : 'vector')),
      }));
    }
    return { mode, hits: hits.slice(0, k), notices };
  }

  readStrategic(): Promise<StrategicMemory> {
    return this.#strategic.read();
  }

  updateStrategic(
    updates: readonly StrategicUpdate[],
    options?: StrategicUpdateOptions,
  ): Promise<StrategicRevision> {
    return this.#strategic.update(updates, options);
  }

  strategicHistory(): Promise<StrategicRevision[]> {
    return this.#strategic.history();
  }

  importStrategicHistory(revisions: readonly StrategicRevision[]): Promise<number> {
    return this.#strategic.importHistory(revisions);
  }

  async close(): Promise<void> {
    // Nothing stays open between calls: every append opens, locks, syncs and closes.
  }

  async #refreshEpisodes(): Promise<void> {
    for (const value of await this.#episodeTail.readNew()) {
      if (!isStoredEpisode(value) || this.#episodeIds.has(value.id)) continue;
      const sequence = this.#episodes.length;
      this.#episodes.push({ record: value, time: Date.parse(value.at), sequence });
      this.#episodeIds.add(value.id);
      this.#episodeIndex?.add(sequence, value.text);
    }
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
    for (const value of await this.#itemTail.readNew()) {
      if (!isStoredSemanticItem(value)) continue;
      this.#items.set(value.id, value);
      this.#itemIndex.add(value.id, searchableText(value));
    }
  }

  async #vectorSearch(
    query: string,
    limit: number,
    accept: (id: string) => boolean,
  ): Promise<{ key: string; score: number }[]> {
    const embedder = this.#embedder!;
    await this.#refreshVectors();
    // Items written by a store without this embedder (or changed since) are embedded now.
    const missing = [...this.#items.values()].filter(
      (item) => this.#vectors.get(item.id)?.fingerprint !== textFingerprint(searchableText(item)),
    );
    if (missing.length > 0) {
      const vectors = await embedder.embedDocuments(missing.map(searchableText));
      const lines = missing.map((item, index) => ({
        id: item.id,
        fingerprint: textFingerprint(searchableText(item)),
        vector: encodeVector(vectors[index]!),
      }));
      await appendJsonLines(
        this.#vectorPath!,
        lines.map((line) => JSON.stringify(line)),
      );
      await this.#refreshVectors();
    }
    const target = await embedder.embedQuery(query);
    const scored: { key: string; score: number }[] = [];
    for (const item of this.#items.values()) {
      if (!accept(item.id)) continue;
      const stored = this.#vectors.get(item.id);
      if (!stored) continue;
      scored.push({ key: item.id, score: dot(target, stored.vector) });
    }
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, limit);
  }

  async #refreshVectors(): Promise<void> {
    for (const value of await this.#vectorTail!.readNew()) {
      const record = value as { id?: unknown; fingerprint?: unknown; vector?: unknown };
      if (
        typeof record.id !== 'string' ||
        typeof record.fingerprint !== 'string' ||
        typeof record.vector !== 'string'
      )
        continue;
      this.#vectors.set(record.id, {
        fingerprint: record.fingerprint,
        vector: decodeVector(record.vector),
      });
    }
  }
}
