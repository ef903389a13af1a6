import { type EmbeddingModel, embed, embedMany } from 'ai';
import type { MemoryCapabilities } from './memory-store';
import { normalizeVector } from './vector-math';

/**
 * The embedding models memory accepts: any AI SDK embedding model (`EmbeddingModel` from
 * `ai`), such as `createOllamaEmbeddingModel(…)`, a provider's `textEmbeddingModel(…)`, or
 * `createHashingEmbeddingModel()` for tests and offline use.
 */
export type MemoryEmbeddingModel = EmbeddingModel;

/** The AI SDK's version 4 embedding model type, which the models in this package implement. */
export type EmbeddingModelV4 = Extract<
  EmbeddingModel,
  {
    /** The AI SDK's embedding model specification version. */
    readonly specificationVersion: 'v4';
  }
>;

/** An embedding model wrapped for memory: unit-length float32 vectors, one id to key caches by. */
export interface Embedder {
  /** `provider:modelId`; vectors made by different embedders are never compared. */
  readonly id: string;
  /** Embeds documents, in order. */
  embedDocuments(texts: readonly string[]): Promise<Float32Array[]>;
  /** Embeds one search query. */
  embedQuery(text: string): Promise<Float32Array>;
}

/** The id memory files and tables record for `model`: `provider:modelId`. */
export function embedderId(model: MemoryEmbeddingModel): string {
  return typeof model === 'string' ? model : `${model.provider}:${model.modelId}`;
}

/**
 * Wraps an AI SDK embedding model with `embed` and `embedMany` (which batch and retry as the
 * model allows) and normalises every vector, so cosine similarity is a dot product.
 */
export function createEmbedder(
  model: MemoryEmbeddingModel,
  { maxRetries = 2 }: { maxRetries?: number } = {},
): Embedder {
  return {
    id: embedderId(model),
    async embedDocuments(texts) {
      if (texts.length === 0) return [];
      const { embeddings } = await embedMany({ model, values: [...texts], maxRetries });
      return embeddings.map((vector) => normalizeVector(vector));
    },
    async embedQuery(text) {
      const { embedding } = await embed({ model, value: text, maxRetries });
      return normalizeVector(embedding);
    },
  };
}

/**
 * What a store that searches full text, and by vector when it has `embedder`, can do. Shared by
 * every backend, since each has full-text search and gains vector and hybrid search with an
 * embedder.
 */
export function searchCapabilities(embedder: Embedder | undefined): MemoryCapabilities {
  return {
    fullText: true,
    vector: embedder !== undefined,
    hybrid: embedder !== undefined,
    ...(embedder ? { embedder: embedder.id } : {}),
  };
}
