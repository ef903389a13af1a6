import type { Diagnostic } from '@karnel/core';
import type { Embedder } from './embedder';
import type { Episode } from './episode';
import type { CompiledEpisodeQuery } from './episode-query';
import type { SearchFilter } from './memory-store';
import type { SemanticItem } from './semantic-item';

/**
 * Where a driver reports damage it met and skipped (a corrupt line, a torn last line): each
 * report names the file, line and column.
 */
export type DiagnosticListener = (diagnostic: Diagnostic) => void;

/** Options of {@link EpisodicLog.append}. */
export interface EpisodeAppendOptions {
  /**
   * Present when the caller chose some of the ids. The driver calls it while it holds its write
   * lock (or transaction), with those of the episodes' ids it already stores, and writes exactly
   * the episodes it returns; it may throw, and then nothing is written. Absent when every id was
   * made by the store (new by construction), so the driver need not look.
   */
  readonly select?: (stored: ReadonlySet<string>) => readonly Episode[];
}

/** Options of the ranked searches of a driver. */
export interface RankedSearchOptions {
  /** How many results at most. */
  readonly limit: number;
  /** Which records may be returned. */
  readonly filter?: SearchFilter;
}

/** A semantic item and its score in one ranking (higher is better). */
export interface RankedItem {
  /** The item. */
  readonly item: SemanticItem;
  /** Its score; comparable only within one ranking. */
  readonly score: number;
}

/** An episode and its score in one ranking (higher is better). */
export interface RankedEpisode {
  /** The episode. */
  readonly episode: Episode;
  /** Its score; comparable only within one ranking. */
  readonly score: number;
}

/** What a vector search (or a driver's own hybrid search) is given. */
export interface VectorSearchRequest extends RankedSearchOptions {
  /** The query text. */
  readonly query: string;
  /** The query's unit-length vector, made by `embedder`. */
  readonly vector: Float32Array;
  /**
   * The store's embedder. Items stored without a vector from it (written by a store without an
   * embedder, or changed since) are embedded with it before searching.
   */
  readonly embedder: Embedder;
}

/**
 * The episodic half of a driver: an append-only log of validated episodes. The composer
 * ({@link createMemoryStore}) has already checked every episode and the id rules within the
 * batch; the driver stores, reads and ranks.
 */
export interface EpisodicLog {
  /**
   * Appends `episodes` in order, all or none, and resolves once they are durable, with the
   * episodes written. See {@link EpisodeAppendOptions.select} for ids already stored.
   */
  append(episodes: readonly Episode[], options?: EpisodeAppendOptions): Promise<readonly Episode[]>;
  /** The episodes `query` describes, in its order and within its limit. */
  read(query: CompiledEpisodeQuery): Promise<Episode[]>;
  /** The episodes that best match any word of `query`, best first (BM25 or the backend's full-text rank). */
  search(query: string, options: RankedSearchOptions): Promise<RankedEpisode[]>;
}

/**
 * The semantic half of a driver: items by id, a full-text index, and optionally vectors. A
 * driver without `searchVector` gives its stores full-text search only, whatever the embedder.
 */
export interface SemanticIndex {
  /**
   * Writes items (an item with the id of a stored one replaces it), with their vectors when the
   * store has an embedder (`vectors[i]` belongs to `items[i]`).
   */
  upsert(
    items: readonly SemanticItem[],
    vectors?: { readonly embedder: Embedder; readonly vectors: readonly Float32Array[] },
  ): Promise<void>;
  /** Every item (the latest version of each), oldest first. */
  list(): Promise<SemanticItem[]>;
  /** The items that best match any word of `query`, best first. */
  searchText(query: string, options: RankedSearchOptions): Promise<RankedItem[]>;
  /** The items whose vectors are closest to `request.vector` (cosine similarity), best first. */
  searchVector?(request: VectorSearchRequest): Promise<RankedItem[]>;
  /**
   * The driver's own fusion of full-text and vector rankings, best first. Without it the store
   * fuses `searchText` and `searchVector` by reciprocal rank fusion.
   */
  searchHybrid?(request: VectorSearchRequest): Promise<RankedItem[]>;
}

/** What a driver tells the composer about itself. */
export interface MemoryDriverFlags {
  /**
   * Whether the driver keeps episodes and items in the Karnel format's own files
   * (`episodic.jsonl`, `semantic/items.jsonl`). A driver that does not is refused a folder that
   * holds those files, since it would not see them.
   */
  readonly filesLayout: boolean;
}

/**
 * A storage driver, version 1: the small, backend-facing half of a memory store, in the manner
 * of unstorage's drivers. It stores and ranks; the rules every store shares — the strategic
 * tier, id rules, capabilities, search modes and fusion, episode search — live once in
 * {@link createMemoryStore}.
 *
 * Write a driver for a new storage, pass it to `createMemoryStore({ driver })`, and run the
 * conformance suite from `@karnel/memory/testing` against the result.
 */
export interface MemoryDriver {
  /** The version of this interface the driver implements. */
  readonly specificationVersion: 'v1';
  /** The backend's name (`files`, `sqlite`, `lancedb`, or a third party's). */
  readonly name: string;
  /** The memory directory. The strategic tier is always stored there, as YAML, by the composer. */
  readonly dir: string;
  /** What the driver is. */
  readonly flags: MemoryDriverFlags;
  /** The episodic tier's storage. */
  readonly episodic: EpisodicLog;
  /** The semantic tier's storage. */
  readonly semantic: SemanticIndex;
  /** Releases files and connections. */
  close(): Promise<void>;
}
