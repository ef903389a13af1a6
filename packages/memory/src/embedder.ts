import { UnsupportedVersionError } from '@karnel/core';
import { type MemoryEmbeddingModel, SUPPORTED_EMBEDDING_MODEL_VERSIONS } from './embedding-model';
import { EmbeddingFailedError } from './errors';
import type { MemoryCapabilities } from './memory-store';
import { normalizeVector } from './vector-math';

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
  return `${model.provider}:${model.modelId}`;
}

/**
 * Wraps an embedding model: splits the texts into the batches the model accepts (in parallel
 * when it allows), normalises every vector so cosine similarity is a dot product, and turns a
 * failure into an {@link EmbeddingFailedError} that names the model.
 *
 * @throws {UnsupportedVersionError} for a model of a specification version memory does not know.
 */
export function createEmbedder(model: MemoryEmbeddingModel): Embedder {
  if (
    !(SUPPORTED_EMBEDDING_MODEL_VERSIONS as readonly string[]).includes(model.specificationVersion)
  ) {
    throw new UnsupportedVersionError({
      version: String(model.specificationVersion),
      supported: [...SUPPORTED_EMBEDDING_MODEL_VERSIONS],
      what: 'embedding model specification',
    });
  }
  const id = embedderId(model);
  const embed = async (texts: readonly string[]): Promise<Float32Array[]> => {
    if (texts.length === 0) return [];
    try {
      const limit = (await model.maxEmbeddingsPerCall) ?? Number.POSITIVE_INFINITY;
      const size = Number.isFinite(limit) && limit >= 1 ? Math.floor(limit) : texts.length;
      const batches: string[][] = [];
      for (let start = 0; start < texts.length; start += size)
        batches.push(texts.slice(start, start + size));
      const parallel = (await model.supportsParallelCalls) ?? false;
      const results: number[][][] = [];
      if (parallel) {
        const all = await Promise.all(batches.map((values) => model.doEmbed({ values })));
        for (const result of all) results.push(result.embeddings);
      } else {
        for (const values of batches) results.push((await model.doEmbed({ values })).embeddings);
      }
      const vectors = results.flat();
      if (vectors.length !== texts.length)
        throw new Error(`returned ${vectors.length} vector(s) for ${texts.length} text(s)`);
      return vectors.map((vector) => normalizeVector(vector));
    } catch (error) {
      if (EmbeddingFailedError.isInstance(error)) throw error;
      throw new EmbeddingFailedError({ embedder: id, cause: error });
    }
  };
  return {
    id,
    embedDocuments: embed,
    async embedQuery(text) {
      const [vector] = await embed([text]);
      return vector!;
    },
  };
}

/**
 * What a store can do: full text always; vector and hybrid search when it has `embedder` and its
 * driver can store vectors.
 */
export function searchCapabilities(
  embedder: Embedder | undefined,
  driverSearchesVectors: boolean,
): MemoryCapabilities {
  const vector = embedder !== undefined && driverSearchesVectors;
  return {
    fullText: true,
    vector,
    hybrid: vector,
    ...(vector ? { embedder: embedder.id } : {}),
  };
}
