import type { Episode, EpisodeInput } from './episode';
import type { SemanticItem, SemanticItemInput } from './semantic-item';
import type { StrategicMemory } from './strategic-memory';
import type { StrategicRevision } from './strategic-revision';
import type { StrategicUpdate } from './strategic-update';

/** Which episodes {@link MemoryStore.readEpisodes} returns. Every field narrows the result. */
export interface EpisodeQuery {
  /** Only episodes at or after this time. */
  from?: string | Date;
  /** Only episodes strictly before this time. */
  to?: string | Date;
  /** Only episodes of these kinds. */
  kinds?: readonly string[];
  /**
   * Only episodes whose text contains every word of this query (case-insensitive, after the
   * backend's tokenizer; backends may also match word forms, e.g. "launches" for "launch").
   */
  text?: string;
  /** `asc` (default): oldest first. `desc`: newest first. Ties keep the order of appending. */
  order?: 'asc' | 'desc';
  /** At most this many episodes, taken after ordering. */
  limit?: number;
}

/** How {@link MemoryStore.search} ranks semantic items. Episodes are ranked by full text in every mode. */
export type SearchMode = 'full-text' | 'vector' | 'hybrid';

/** The tiers {@link MemoryStore.search} can cover. */
export type MemoryTier = 'semantic' | 'episodic';

/** Which items a search may return. Every field narrows the result. */
export interface SearchFilter {
  /** Only items of these kinds. */
  kinds?: readonly string[];
  /** Only items carrying every one of these tags. */
  tags?: readonly string[];
  /** Only items with at least one source starting with this prefix (e.g. `ledger/`). */
  sourcePrefix?: string;
}

/** Options of {@link MemoryStore.search}. */
export interface SearchOptions {
  /** How many hits to return at most, per tier: an integer from 1 to 1000. Default 10. */
  k?: number;
  /**
   * Which tiers to search. Default both: semantic items in `hits`, episodes in `episodes`.
   */
  tiers?: readonly MemoryTier[];
  /** Which items and episodes may be returned (kinds, tags and sources apply to both). */
  filter?: SearchFilter;
  /**
   * How to rank semantic items. `auto` (the default) is `hybrid` when the store has an embedding
   * model and `full-text` otherwise. Asking for `vector` or `hybrid` without an embedding model
   * throws `EmbedderRequiredError`. Episodes are not embedded: they are ranked by full text
   * (BM25 or the backend's equivalent) in every mode.
   */
  mode?: SearchMode | 'auto';
}

/** One search result. */
export interface SearchHit {
  /** The item found, with its `sources`. */
  readonly item: SemanticItem;
  /**
   * Higher is better. Scores compare hits within one result only: their scale depends on the
   * mode and the backend (BM25, cosine similarity, reciprocal-rank fusion).
   */
  readonly score: number;
  /**
   * Which rankings found the item, when the backend can tell. LanceDB's fused hybrid results do
   * not say, so its hybrid hits leave this out.
   */
  readonly matchedBy?: readonly ('full-text' | 'vector')[];
}

/** One episode a search found. */
export interface EpisodeHit {
  /** The episode. */
  readonly episode: Episode;
  /** Higher is better; compares episode hits within one result only. */
  readonly score: number;
  /** Always `['full-text']`: episodes are ranked by full text. */
  readonly matchedBy: readonly 'full-text'[];
}

/** What {@link MemoryStore.search} returns. */
export interface SearchResult {
  /** The mode actually used for semantic items. */
  readonly mode: SearchMode;
  /** The semantic items found, best first (empty when the search did not cover that tier). */
  readonly hits: readonly SearchHit[];
  /**
   * The episodes that match any word of the query, best first, at most `k` (empty when the
   * search did not cover the episodic tier).
   */
  readonly episodes: readonly EpisodeHit[];
  /** Plain sentences about how the search ran, e.g. that it fell back to full-text. */
  readonly notices: readonly string[];
}

/** What a store can do. */
export interface MemoryCapabilities {
  /** Full-text search: always available. */
  readonly fullText: true;
  /** Vector search: available when an embedding model is configured. */
  readonly vector: boolean;
  /** Hybrid search: available when an embedding model is configured. */
  readonly hybrid: boolean;
  /** The embedding model in use, as `provider:modelId`, when there is one. */
  readonly embedder?: string;
}

/** Who is writing through a store; group strategic memory checks the role. */
export interface MemoryWriter {
  /** The writer's role in the group (`strategist`, `researcher` …). */
  readonly role?: string;
  /** The writer's agent id, recorded in the strategic history. */
  readonly id?: string;
}

/** Options of {@link MemoryStore.appendEpisodes}. */
export interface AppendEpisodesOptions {
  /**
   * What to do with an input whose `id` is already in the log: `error` (default) throws before
   * anything is written; `skip` leaves it out, which makes imports idempotent.
   */
  ifExists?: 'error' | 'skip';
}

/** Options of {@link MemoryStore.updateStrategic}. */
export interface StrategicUpdateOptions {
  /** Why the change is made (e.g. "weekly strategic review"); kept in the history. */
  reason?: string;
}

/**
 * The Memory Interface (Annex A), version 1: the three tiers of an agent's or group's memory
 * behind one type, whatever the storage.
 *
 * - episodic: an append-only log of typed, timestamped events with references to evidence;
 * - semantic: items for retrieval, searched by full text, vector similarity or both;
 * - strategic: hypotheses, priors and a self-model, changed only by typed updates, every
 *   revision kept.
 *
 * Create one with `createFileMemory`, `createSqliteMemory`, `createLanceMemory` (from
 * `@karnel/memory/lancedb`), or `createMemoryStore` with any driver. All pass the same
 * conformance suite (`@karnel/memory/testing`); they differ in speed, scale and search quality.
 */
export interface MemoryStore {
  /** The version of this interface the store implements. */
  readonly specificationVersion: 'v1';
  /** The backend's name: `files`, `sqlite`, `lancedb`, or a third-party driver's. */
  readonly backend: string;
  /** The memory directory. */
  readonly dir: string;
  /** What the store can do. */
  readonly capabilities: MemoryCapabilities;

  /** Appends one episode and resolves once it is durable. */
  appendEpisode(input: EpisodeInput): Promise<Episode>;
  /**
   * Appends episodes in order, all or none, and resolves once they are durable. Resolves with the
   * episodes written (without the skipped ones).
   */
  appendEpisodes(
    inputs: readonly EpisodeInput[],
    options?: AppendEpisodesOptions,
  ): Promise<Episode[]>;
  /** Reads episodes, oldest first unless asked otherwise. */
  readEpisodes(query?: EpisodeQuery): Promise<Episode[]>;

  /** Writes semantic items; an item with the id of an existing one replaces it. */
  upsertSemantic(inputs: readonly SemanticItemInput[]): Promise<SemanticItem[]>;
  /** Every semantic item (the latest version of each), oldest first. */
  listSemantic(): Promise<SemanticItem[]>;
  /**
   * Finds the semantic items (`hits`) and the episodes (`episodes`) most relevant to `query`.
   * `options.tiers` narrows it to one tier.
   */
  search(query: string, options?: SearchOptions): Promise<SearchResult>;

  /**
   * The current strategic memory (empty when there is none).
   *
   * @throws {ValidationError} when `strategic.yaml` is not valid; its diagnostics say where.
   */
  readStrategic(): Promise<StrategicMemory>;
  /**
   * Applies typed updates as one new revision and resolves with it. The previous state stays
   * recoverable from the history.
   *
   * @throws {StrategicWriteDeniedError} when the store guards group strategic memory and the
   * writer's role is not allowed.
   */
  updateStrategic(
    updates: readonly StrategicUpdate[],
    options?: StrategicUpdateOptions,
  ): Promise<StrategicRevision>;
  /** Every strategic revision, oldest first. */
  strategicHistory(): Promise<StrategicRevision[]>;
  /**
   * Brings the strategic history up to `revisions` (another memory's history): appends the
   * revisions this memory lacks and makes the last one current. Resolves with how many were
   * added.
   *
   * @throws {InvalidArgumentError} when this memory's history has diverged from `revisions`.
   * @throws {StrategicWriteDeniedError} as {@link MemoryStore.updateStrategic} does.
   */
  importStrategicHistory(revisions: readonly StrategicRevision[]): Promise<number>;

  /** Releases files and connections. The store cannot be used afterwards. */
  close(): Promise<void>;
}
