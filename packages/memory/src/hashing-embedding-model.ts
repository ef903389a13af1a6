import { InvalidArgumentError } from '@karnel/core';
import type { EmbeddingModelV4 } from './embedding-model';
import { tokenize } from './tokenize';
import { normalizeVector } from './vector-math';

/** The shortest vectors {@link createHashingEmbeddingModel} makes. */
export const MIN_HASHING_DIMENSIONS = 8;

/**
 * The longest vectors {@link createHashingEmbeddingModel} makes: a bound on the memory one
 * vector (and every stored copy of it) may take, since the length often comes from a command
 * line. 4096 is longer than any learned model's vectors in common use.
 */
export const MAX_HASHING_DIMENSIONS = 4096;

/** Options of {@link createHashingEmbeddingModel}. */
export interface HashingEmbeddingModelOptions {
  /** Length of the vectors: an integer from 8 to 4096. Default 256. */
  dimensions?: number;
}

/**
 * A deterministic embedding model that needs no weights and no network: each text becomes a
 * hashed bag of its stemmed words and word pairs ("feature hashing"), log-weighted and
 * normalised. Texts that share words land close together; texts that only share meaning do
 * not. That is enough to exercise vector and hybrid search for real in tests and benchmarks, and
 * to run memory fully offline; use a learned model (Ollama, a provider) for semantic recall.
 *
 * Implements the AI SDK's embedding model interface, so it goes wherever one is accepted.
 *
 * @throws {InvalidArgumentError} for `dimensions` outside 8 to 4096.
 */
export function createHashingEmbeddingModel({
  dimensions = 256,
}: HashingEmbeddingModelOptions = {}): EmbeddingModelV4 {
  if (
    !Number.isInteger(dimensions) ||
    dimensions < MIN_HASHING_DIMENSIONS ||
    dimensions > MAX_HASHING_DIMENSIONS
  ) {
    throw new InvalidArgumentError({
      argument: 'dimensions',
      value: dimensions,
      message: `must be an integer from ${MIN_HASHING_DIMENSIONS} to ${MAX_HASHING_DIMENSIONS}`,
    });
  }
  return {
    specificationVersion: 'v4',
    provider: 'karnel',
    modelId: `hashing-${dimensions}`,
    maxEmbeddingsPerCall: Number.POSITIVE_INFINITY,
    supportsParallelCalls: true,
    async doEmbed({ values }) {
      return { embeddings: values.map((value) => hashEmbedding(value, dimensions)), warnings: [] };
    },
  };
}

function hashEmbedding(text: string, dimensions: number): number[] {
  const counts = new Map<string, number>();
  const terms = tokenize(text);
  terms.forEach((term, index) => {
    counts.set(term, (counts.get(term) ?? 0) + 1);
    if (index > 0) {
      const pair = `${terms[index - 1]} ${term}`;
      counts.set(pair, (counts.get(pair) ?? 0) + 0.5);
    }
  });
  const vector = new Float64Array(dimensions);
  for (const [feature, count] of counts) {
    const hash = fnv1a(feature);
    const sign = hash & 1 ? 1 : -1;
    vector[(hash >>> 1) % dimensions]! += sign * (1 + Math.log(count));
  }
  return Array.from(normalizeVector(vector));
}

/** 32-bit FNV-1a of a string's UTF-16 code units: tiny, fast and stable across platforms. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
