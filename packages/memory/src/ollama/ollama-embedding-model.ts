import { InvalidArgumentError } from '@karnel/core';
import type { EmbeddingModelV4 } from '../embedding-model';
import { MissingPeerDependencyError } from '../errors';

/** Options of {@link createOllamaEmbeddingModel}. */
export interface OllamaEmbeddingModelOptions {
  /** The Ollama model to embed with, e.g. `nomic-embed-text` or `mxbai-embed-large`. */
  model: string;
  /**
   * The Ollama server, an `http:` or `https:` URL. Default: the `OLLAMA_HOST` environment
   * variable, else `http://127.0.0.1:11434`.
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

type OllamaModule = typeof import('ollama');

let client: Promise<OllamaModule> | undefined;

/** The `ollama` client, loaded on first use; a helpful error when it is not installed. */
function loadOllama(): Promise<OllamaModule> {
  client ??= import('ollama').catch((error: unknown) => {
    client = undefined;
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new MissingPeerDependencyError({
        packages: ['ollama'],
        feature: 'the Ollama embedder',
        cause: error,
      });
    throw error;
  });
  return client;
}

/**
 * Checks an Ollama server address: an absolute `http:` or `https:` URL.
 *
 * @throws {InvalidArgumentError} otherwise.
 */
export function checkOllamaHost(host: string): string {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new InvalidArgumentError({
      argument: 'host',
      value: host,
      message: `"${host}" is not a URL; expected e.g. http://127.0.0.1:11434`,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError({
      argument: 'host',
      value: host,
      message: `"${host}" is not an http: or https: URL; expected e.g. http://127.0.0.1:11434`,
    });
  }
  return host;
}

/**
 * An AI SDK embedding model served by a local Ollama (`POST /api/embed`), through the official
 * `ollama` client — an optional peer dependency (`npm install ollama`), loaded on the first
 * call. It works wherever an AI SDK embedding model does, `embed` and `embedMany` included.
 * Nothing is downloaded: the model must already be pulled on the server.
 *
 * @throws {InvalidArgumentError} for a host that is not an `http:` or `https:` URL, or an empty model name.
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
  if (typeof model !== 'string' || model.trim() === '')
    throw new InvalidArgumentError({
      argument: 'model',
      value: model,
      message: 'must name a model',
    });
  checkOllamaHost(host);
  return {
    specificationVersion: 'v4',
    provider: 'ollama',
    modelId: model,
    maxEmbeddingsPerCall,
    // One local server computes one batch at a time; parallel calls would only queue.
    supportsParallelCalls: false,
    async doEmbed({ values, abortSignal, dimensions, headers: callHeaders }) {
      const { Ollama } = await loadOllama();
      const ollama = new Ollama({
        host,
        headers: { ...headers, ...(callHeaders as Record<string, string> | undefined) },
        fetch: ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
          fetchImplementation(
            input,
            abortSignal ? { ...init, signal: abortSignal } : init,
          )) as typeof fetch,
      });
      const response = await ollama.embed({
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
