import { InvalidArgumentError } from '@karnel/core';
import type { MemoryEmbeddingModel } from './embedding-model';
import {
  createHashingEmbeddingModel,
  MAX_HASHING_DIMENSIONS,
  MIN_HASHING_DIMENSIONS,
} from './hashing-embedding-model';

/** The embedder reference syntax, for help texts: `ollama:<model>` or `hashing[:<dimensions>]`. */
export const EMBEDDER_SPEC_SYNTAX = `ollama:<model> or hashing[:<dimensions from ${MIN_HASHING_DIMENSIONS} to ${MAX_HASHING_DIMENSIONS}>]`;

/** A parsed embedder reference (see {@link parseEmbedderSpec}). */
export type EmbedderSpec =
  | {
      /** A model served by Ollama. */
      readonly provider: 'ollama';
      /** The Ollama model name, e.g. `nomic-embed-text`. */
      readonly model: string;
    }
  | {
      /** The offline, lexical {@link createHashingEmbeddingModel}. */
      readonly provider: 'hashing';
      /** The vector length. */
      readonly dimensions: number;
    };

/**
 * Parses an embedder reference as configuration files and the CLI's `--embedder` write it:
 * `ollama:<model>` (a model on an Ollama server) or `hashing[:<dimensions>]` (the offline
 * hashing model, 256 dimensions by default, bounded to 8–4096).
 *
 * @throws {InvalidArgumentError} for anything else.
 */
export function parseEmbedderSpec(spec: string): EmbedderSpec {
  const separator = spec.indexOf(':');
  const name = separator < 0 ? spec : spec.slice(0, separator);
  const argument = separator < 0 ? '' : spec.slice(separator + 1);
  if (name === 'ollama' && argument.trim() !== '') return { provider: 'ollama', model: argument };
  if (name === 'hashing') {
    if (separator < 0) return { provider: 'hashing', dimensions: 256 };
    if (/^\d{1,6}$/.test(argument)) {
      const dimensions = Number(argument);
      if (dimensions >= MIN_HASHING_DIMENSIONS && dimensions <= MAX_HASHING_DIMENSIONS)
        return { provider: 'hashing', dimensions };
    }
  }
  throw new InvalidArgumentError({
    argument: 'embedder',
    value: spec,
    message: `unknown embedder "${spec}"; expected ${EMBEDDER_SPEC_SYNTAX}`,
  });
}

/** Options of {@link createEmbeddingModelFromSpec}. */
export interface EmbedderSpecOptions {
  /** The Ollama server for `ollama:<model>`. Default: `OLLAMA_HOST`, else `http://127.0.0.1:11434`. */
  ollamaHost?: string;
}

/**
 * The embedding model an embedder reference names. `ollama:<model>` loads
 * `@karnel/memory/ollama` (and needs the optional peer `ollama` when it first embeds).
 *
 * @throws {InvalidArgumentError} for a bad reference or Ollama host.
 */
export async function createEmbeddingModelFromSpec(
  spec: string | EmbedderSpec,
  { ollamaHost }: EmbedderSpecOptions = {},
): Promise<MemoryEmbeddingModel> {
  const parsed = typeof spec === 'string' ? parseEmbedderSpec(spec) : spec;
  if (parsed.provider === 'hashing')
    return createHashingEmbeddingModel({ dimensions: parsed.dimensions });
  const { createOllamaEmbeddingModel } = await import('./ollama/ollama-embedding-model');
  return createOllamaEmbeddingModel({
    model: parsed.model,
    ...(ollamaHost === undefined ? {} : { host: ollamaHost }),
  });
}
