import { stat } from 'node:fs/promises';
import {
  type Clock,
  InvalidArgumentError,
  systemClock,
  UnsupportedVersionError,
} from '@karnel/core';
import { createEmbedder, type Embedder, searchCapabilities } from './embedder';
import { createEpisode, type Episode, type EpisodeInput } from './episode';
import { compileEpisodeQuery } from './episode-query';
import { MemoryLayoutConflictError } from './errors';
import type { MemoryDriver, RankedItem } from './memory-driver';
import { memoryLayout } from './memory-layout';
import { type MemoryStoreOptions, strategicWriterRoles } from './memory-options';
import type {
  AppendEpisodesOptions,
  EpisodeHit,
  EpisodeQuery,
  MemoryCapabilities,
  MemoryStore,
  SearchHit,
  SearchOptions,
  SearchResult,
  StrategicUpdateOptions,
} from './memory-store';
import { reciprocalRankFusion } from './rank-fusion';
import {
  hybridDepth,
  NO_SEARCHABLE_WORDS_NOTICE,
  resolveSearchMode,
  searchLimit,
  searchTiers,
} from './search-support';
import {
  createSemanticItem,
  type SemanticItem,
  type SemanticItemInput,
  searchableText,
} from './semantic-item';
import type { StrategicMemory } from './strategic-memory';
import type { StrategicRevision } from './strategic-revision';
import { StrategicStore } from './strategic-store';
import type { StrategicUpdate } from './strategic-update';
import { queryWords } from './tokenize';

/**
 * Options of {@link createMemoryStore}: the driver, and what every store accepts. The folder is
 * the driver's (`driver.dir`), and so is reporting damaged records (each driver that reads files
 * takes its own `onDiagnostic`).
 */
export interface CreateMemoryStoreOptions extends Omit<MemoryStoreOptions, 'dir' | 'onDiagnostic'> {
  /** The storage driver (`createFilesDriver`, `createSqliteDriver`, `createLanceDriver`, or your own). */
  driver: MemoryDriver;
}

/** The driver specification versions {@link createMemoryStore} accepts. */
export const SUPPORTED_DRIVER_VERSIONS = ['v1'] as const;

/**
 * Composes a {@link MemoryStore} from a storage driver. Whatever the driver, the store applies
 * the same rules, written here once:
 *
 * - the strategic tier: `strategic.yaml` and its history in the memory folder, with the group
 *   writer rule;
 * - episodes are validated (a blank text is refused); an id that appears twice in one append is
 *   refused whatever `ifExists` says; an id already stored is refused (`error`) or left out
 *   (`skip`), checked under the driver's write lock;
 * - capabilities and search modes: `auto` is hybrid with an embedder and a driver that stores
 *   vectors, full-text otherwise (with a notice); hybrid is the driver's own fusion or reciprocal
 *   rank fusion of its two rankings; episodes are ranked by full text in every mode;
 * - a driver that does not keep the files layout refuses a folder holding the files backend's
 *   records while its own storage is empty ({@link MemoryLayoutConflictError}; see
 *   `filesRecords`).
 *
 * @throws {UnsupportedVersionError} when the driver implements an unknown specification version.
 */
export function createMemoryStore(options: CreateMemoryStoreOptions): MemoryStore {
  const { driver } = options;
  if (!(SUPPORTED_DRIVER_VERSIONS as readonly string[]).includes(driver?.specificationVersion)) {
    throw new UnsupportedVersionError({
      version: String(driver?.specificationVersion),
      supported: [...SUPPORTED_DRIVER_VERSIONS],
      what: 'memory driver specification',
    });
  }
  return new ComposedMemoryStore(options);
}

class ComposedMemoryStore implements MemoryStore {
  readonly specificationVersion = 'v1' as const;
  readonly backend: string;
  readonly dir: string;
  readonly capabilities: MemoryCapabilities;

  readonly #driver: MemoryDriver;
  readonly #clock: Clock;
  readonly #embedder: Embedder | undefined;
  readonly #strategic: StrategicStore;
  readonly #filesRecords: 'refuse' | 'ignore';
  #layoutChecked: Promise<void> | undefined;

  constructor(options: CreateMemoryStoreOptions) {
    this.#driver = options.driver;
    this.backend = options.driver.name;
    this.dir = options.driver.dir;
    this.#clock = options.clock ?? systemClock;
    this.#filesRecords = options.filesRecords ?? 'refuse';
    this.#embedder = options.embedder === undefined ? undefined : createEmbedder(options.embedder);
    this.capabilities = searchCapabilities(
      this.#embedder,
      options.driver.semantic.searchVector !== undefined,
    );
    this.#strategic = new StrategicStore({
      layout: memoryLayout(this.dir),
      clock: this.#clock,
      writer: options.writer,
      allowedRoles: strategicWriterRoles({ ...options, dir: this.dir }),
      ...(options.root === undefined ? {} : { root: options.root }),
    });
  }

  async appendEpisode(input: EpisodeInput): Promise<Episode> {
    const [episode] = await this.appendEpisodes([input]);
    return episode!;
  }

  async appendEpisodes(
    inputs: readonly EpisodeInput[],
    { ifExists = 'error' }: AppendEpisodesOptions = {},
  ): Promise<Episode[]> {
    if (ifExists !== 'error' && ifExists !== 'skip') {
      throw new InvalidArgumentError({
        argument: 'options.ifExists',
        value: ifExists,
        message: 'must be "error" or "skip"',
      });
    }
    const episodes = inputs.map((input) => createEpisode(input, this.#clock));
    // The same id twice in one batch is a mistake in the batch itself, so `skip` (which is about
    // what is already stored) does not cover it.
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
    if (episodes.length === 0) return [];
    await this.#checkLayout();
    // Ids this store makes are new by construction; only ids the caller chose can collide, and
    // the driver checks them under its write lock so that two importers cannot both add one.
    const chosenIds = inputs.some((input) => input.id !== undefined);
    const written = await this.#driver.episodic.append(
      episodes,
      chosenIds
        ? {
            select: (stored) =>
              episodes.filter((episode) => {
                if (!stored.has(episode.id)) return true;
                if (ifExists === 'skip') return false;
                throw new InvalidArgumentError({
                  argument: 'inputs',
                  value: episode.id,
                  message: `episode ${episode.id} is already in ${this.dir}`,
                });
              }),
          }
        : {},
    );
    return [...written];
  }

  async readEpisodes(query?: EpisodeQuery): Promise<Episode[]> {
    const compiled = compileEpisodeQuery(query);
    await this.#checkLayout();
    if (compiled.limit === 0 || compiled.kinds?.size === 0) return [];
    return this.#driver.episodic.read(compiled);
  }

  async upsertSemantic(inputs: readonly SemanticItemInput[]): Promise<SemanticItem[]> {
    const items = inputs.map((input) => createSemanticItem(input, this.#clock));
    if (items.length === 0) return [];
    await this.#checkLayout();
    // Embed before writing, so a failing embedder leaves nothing half-stored.
    const embedder = this.capabilities.vector ? this.#embedder : undefined;
    const vectors = embedder
      ? { embedder, vectors: await embedder.embedDocuments(items.map(searchableText)) }
      : undefined;
    await this.#driver.semantic.upsert(items, vectors);
    return items;
  }

  async listSemantic(): Promise<SemanticItem[]> {
    await this.#checkLayout();
    return this.#driver.semantic.list();
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const k = searchLimit(options);
    const tiers = searchTiers(options);
    const { mode, notices } = resolveSearchMode(options.mode, {
      embedder: this.capabilities.vector,
      backend: this.backend,
    });
    await this.#checkLayout();
    const hits = tiers.has('semantic')
      ? await this.#searchSemantic(query, k, mode, options, notices)
      : [];
    let episodes: EpisodeHit[] = [];
    if (tiers.has('episodic')) {
      const ranked = await this.#driver.episodic.search(query, {
        limit: k,
        filter: options.filter,
      });
      episodes = ranked.map((entry) => ({
        episode: entry.episode,
        score: entry.score,
        matchedBy: ['full-text'],
      }));
    }
    return { mode, hits, episodes, notices };
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

  close(): Promise<void> {
    return this.#driver.close();
  }

  async #searchSemantic(
    query: string,
    k: number,
    mode: SearchResult['mode'],
    options: SearchOptions,
    notices: string[],
  ): Promise<SearchHit[]> {
    const semantic = this.#driver.semantic;
    const filter = options.filter;
    if (mode === 'full-text') {
      const ranked = await semantic.searchText(query, { limit: k, filter });
      return ranked.map((entry) => ({ ...entry, matchedBy: ['full-text'] }));
    }
    const embedder = this.#embedder!;
    const vector = await embedder.embedQuery(query);
    const words = queryWords(query);
    if (mode === 'vector' || words.length === 0) {
      if (mode === 'hybrid') notices.push(NO_SEARCHABLE_WORDS_NOTICE);
      const ranked = await semantic.searchVector!({ query, vector, embedder, limit: k, filter });
      return ranked.map((entry) => ({ ...entry, matchedBy: ['vector'] }));
    }
    if (semantic.searchHybrid) {
      // The driver's fused results do not say which ranking found each item.
      return semantic.searchHybrid({ query, vector, embedder, limit: k, filter });
    }
    const depth = hybridDepth(k);
    const [fullText, vectors] = await Promise.all([
      semantic.searchText(query, { limit: depth, filter }),
      semantic.searchVector!({ query, vector, embedder, limit: depth, filter }),
    ]);
    const items = new Map<string, SemanticItem>();
    for (const entry of [...fullText, ...vectors]) items.set(entry.item.id, entry.item);
    const key = (entry: RankedItem) => entry.item.id;
    return reciprocalRankFusion([fullText.map(key), vectors.map(key)])
      .slice(0, k)
      .map((entry) => ({
        item: items.get(entry.key)!,
        score: entry.score,
        matchedBy: entry.lists.map((list) => (list === 0 ? 'full-text' : 'vector')),
      }));
  }

  /**
   * Refuses, once per store, a folder holding files-layout records this driver would not see,
   * while the driver's own storage is empty (a memory already moved in place opens normally).
   */
  #checkLayout(): Promise<void> {
    if (this.#driver.flags.filesLayout || this.#filesRecords === 'ignore') return Promise.resolve();
    this.#layoutChecked ??= (async () => {
      const layout = memoryLayout(this.dir);
      const found: string[] = [];
      for (const path of [layout.episodic, layout.semanticItems]) {
        const size = await stat(path).then(
          (stats) => stats.size,
          () => 0,
        );
        if (size > 0) found.push(path);
      }
      if (found.length === 0) return;
      const { episodic, semantic } = this.#driver;
      const own =
        (await episodic.read(compileEpisodeQuery({ limit: 1 }))).length +
        (await semantic.list()).length;
      if (own === 0) throw new MemoryLayoutConflictError({ backend: this.backend, files: found });
    })();
    this.#layoutChecked.catch(() => {
      this.#layoutChecked = undefined;
    });
    return this.#layoutChecked;
  }
}
