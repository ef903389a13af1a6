import { InvalidArgumentError } from '@karnel/core';
import type { EmbeddingModelV4 } from './embedder';
import { tokenize } from './tokenize';
import { normalizeVector } from './vector-math';

/** Options of {@link createHashingEmbeddingModel}. */
export interface HashingEmbeddingModelOptions {
  /** Length of the vectors. Default 256. */
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
 */
export function createHashingEmbeddingModel({
  dimensions = 256,
}: HashingEmbeddingModelOptions = {}): EmbeddingModelV4 {
  if (!Number.isInteger(dimensions) || dimensions < 8) {
    throw new InvalidArgumentError({
      argument: 'dimensions',
      value: dimensions,
      message: 'must be an integer of at least 8',
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
