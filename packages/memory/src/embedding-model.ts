/** The options an embedding model's `doEmbed` receives (the AI SDK's call options, the part memory uses). */
export interface EmbeddingCallOptions {
  /** The texts to embed, in order. */
  values: string[];
  /** Cancels the call. */
  abortSignal?: AbortSignal;
  /** Extra HTTP headers, for models served over HTTP. */
  headers?: Record<string, string | undefined>;
  /** The vector length asked for, for models that can shorten their vectors. */
  dimensions?: number;
}

/** What an embedding model's `doEmbed` resolves with (the part memory reads). */
export interface EmbeddingCallResult {
  /** One vector per input text, in order. */
  embeddings: number[][];
  /** Tokens read, when the model reports them. */
  usage?: {
    /** Input tokens. */
    tokens: number;
  };
}

/**
 * The embedding models memory accepts: the shape of the AI SDK's `EmbeddingModelV4` (and of
 * its `v3` and `v2` predecessors, which embed the same way), written out here so that this
 * package's types need neither `ai` nor `@ai-sdk/provider` installed. Any AI SDK provider's
 * `textEmbeddingModel(…)`, `createOllamaEmbeddingModel(…)` from `@karnel/memory/ollama` and
 * {@link createHashingEmbeddingModel} fit it; `@karnel/memory/ai` adapts anything else the AI
 * SDK accepts (gateway model ids, retries).
 */
export interface MemoryEmbeddingModel {
  /** The AI SDK specification version the model implements: `v4`, `v3` or `v2`. */
  readonly specificationVersion: string;
  /** The provider's name, e.g. `ollama`. */
  readonly provider: string;
  /** The model's id at the provider, e.g. `nomic-embed-text`. */
  readonly modelId: string;
  /** How many texts one call may carry; `undefined` or `Infinity` for no limit. */
  readonly maxEmbeddingsPerCall?: PromiseLike<number | undefined> | number | undefined;
  /** Whether several calls may run at once. */
  readonly supportsParallelCalls?: PromiseLike<boolean> | boolean;
  /** Embeds `options.values`, in order. */
  doEmbed(options: EmbeddingCallOptions): PromiseLike<EmbeddingCallResult>;
}

/**
 * A version 4 embedding model, as the models of this package are: assignable to the AI SDK's
 * `EmbeddingModel`, so it also works with `embed` and `embedMany` from `ai`.
 */
export interface EmbeddingModelV4 extends MemoryEmbeddingModel {
  /** Always `v4`. */
  readonly specificationVersion: 'v4';
  /** How many texts one call may carry. */
  readonly maxEmbeddingsPerCall: number | undefined;
  /** Whether several calls may run at once. */
  readonly supportsParallelCalls: boolean;
  /** Embeds `options.values`, in order. */
  doEmbed(options: EmbeddingCallOptions): PromiseLike<
    EmbeddingCallResult & {
      /** The raw response, for debugging. */
      response?: {
        /** The response body. */
        body?: unknown;
      };
      /** Warnings from the provider: none from the models of this package. */
      warnings: never[];
    }
  >;
}

/** The specification versions of embedding models memory accepts. */
export const SUPPORTED_EMBEDDING_MODEL_VERSIONS = ['v4', 'v3', 'v2'] as const;
