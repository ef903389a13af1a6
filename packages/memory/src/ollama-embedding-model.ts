import { Ollama } from 'ollama';
import type { EmbeddingModelV4 } from './embedder';

/** Options of {@link createOllamaEmbeddingModel}. */
export interface OllamaEmbeddingModelOptions {
  /** The Ollama model to embed with, e.g. `nomic-embed-text` or `mxbai-embed-large`. */
  model: string;
  /**
   * The Ollama server. Default: the `OLLAMA_HOST` environment variable, else
   * `http://127.0.0.1:11434`.
   */
  host?: string;
  /** Texts longer than the model's context are cut (`true`, the default) or refused (`false`). */
  truncate?: boolean;
  /** How long Ollama keeps the model loaded after the call (e.g. `5m`); Ollama's default when absent. */
  keepAlive?: string | number;
  /** Texts per request. Default 64: large batches of long texts can exceed the server's limits. */
  maxEmbeddingsPerCall?: number;
  /** The fetch implementation (for proxies and tests). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Extra HTTP headers on every request. */
  headers?: Record<string, string>;
}

/**
 * An AI SDK embedding model served by a local Ollama (`POST /api/embed`), through the official
 * `ollama` client. It works wherever an AI SDK embedding model does, `embed` and `embedMany`
 * included. Nothing is downloaded: the model must already be pulled on the server.
 */
export function createOllamaEmbeddingModel({
  model,
  host = process.env.OLLAMA_HOST ?? 'http://127.0.0.1:11434',
  truncate = true,
  keepAlive,
  maxEmbeddingsPerCall = 64,
  fetch: fetchImplementation = globalThis.fetch,
  headers,
}: OllamaEmbeddingModelOptions): EmbeddingModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'ollama',
    modelId: model,
    maxEmbeddingsPerCall,
    // One local server computes one batch at a time; parallel calls would only queue.
    supportsParallelCalls: false,
    async doEmbed({ values, abortSignal, dimensions, headers: callHeaders }) {
      const client = new Ollama({
        host,
        headers: { ...headers, ...(callHeaders as Record<string, string> | undefined) },
        fetch: ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
          fetchImplementation(
            input,
            abortSignal ? { ...init, signal: abortSignal } : init,
          )) as typeof fetch,
      });
      const response = await client.embed({
        model,
        input: values,
        truncate,
        ...(keepAlive === undefined ? {} : { keep_alive: keepAlive }),
        ...(dimensions === undefined ? {} : { dimensions }),
      });
      return {
        embeddings: response.embeddings,
        usage: { tokens: response.prompt_eval_count ?? 0 },
        response: { body: response },
        warnings: [],
      };
    },
  };
}
