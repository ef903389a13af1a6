import { type EmbeddingModel, embedMany } from 'ai';
import { embedderId } from '../embedder';
import type { EmbeddingModelV4, MemoryEmbeddingModel } from '../embedding-model';

/** Options of {@link fromAiSdkEmbeddingModel}. */
export interface AiSdkEmbeddingModelOptions {
  /** How often the AI SDK retries a failed call (it retries only errors marked retryable). Default 2. */
  maxRetries?: number;
}

/**
 * Adapts anything the AI SDK (`ai`, an optional peer dependency) accepts as an embedding model —
 * a gateway model id such as `'openai/text-embedding-3-small'`, or a `v2`/`v3`/`v4` model — into
 * a memory embedding model that embeds through the AI SDK's `embedMany`, with its batching and
 * retries.
 */
export function fromAiSdkEmbeddingModel(
  model: EmbeddingModel,
  { maxRetries = 2 }: AiSdkEmbeddingModelOptions = {},
): EmbeddingModelV4 {
  const [provider, modelId] =
    typeof model === 'string'
      ? ['gateway', model]
      : [(model as MemoryEmbeddingModel).provider, (model as MemoryEmbeddingModel).modelId];
  return {
    specificationVersion: 'v4',
    provider,
    modelId,
    // embedMany batches by the model's own limit.
    maxEmbeddingsPerCall: Number.POSITIVE_INFINITY,
    supportsParallelCalls: false,
    async doEmbed({ values, abortSignal }) {
      const { embeddings } = await embedMany({
        model,
        values,
        maxRetries,
        ...(abortSignal ? { abortSignal } : {}),
      });
      return { embeddings, warnings: [] };
    },
  };
}

/** The id memory records for an AI SDK model: `provider:modelId` (`gateway:<id>` for a gateway id). */
export function aiSdkEmbedderId(model: EmbeddingModel): string {
  return typeof model === 'string' ? `gateway:${model}` : embedderId(model as MemoryEmbeddingModel);
}
