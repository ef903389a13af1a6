import { embed, embedMany } from 'ai';
import { describe, expect, it } from 'vitest';
import { createEmbedder } from './embedder';
import { createHashingEmbeddingModel } from './hashing-embedding-model';
import { dot } from './vector-math';

describe('createHashingEmbeddingModel', () => {
  it('is a deterministic AI SDK embedding model of unit vectors', async () => {
    const model = createHashingEmbeddingModel({ dimensions: 64 });
    const first = await embed({ model, value: 'Subject lines with numbers' });
    const second = await embed({ model, value: 'Subject lines with numbers' });
    expect(first.embedding).toEqual(second.embedding);
    expect(first.embedding).toHaveLength(64);
    expect(Math.hypot(...first.embedding)).toBeCloseTo(1, 5);
    const { embeddings } = await embedMany({ model, values: ['a b', 'c d'] });
    expect(embeddings).toHaveLength(2);
  });

  it('places texts that share words closer than texts that do not', async () => {
    const embedder = createEmbedder(createHashingEmbeddingModel());
    const [query, near, far] = await embedder.embedDocuments([
      'GPU prices for inference',
      'Spot GPU prices fell for inference workloads',
      'The critic rejected the headline',
    ]);
    expect(dot(query!, near!)).toBeGreaterThan(dot(query!, far!));
    expect(embedder.id).toBe('karnel:hashing-256');
  });

  it('refuses too few dimensions', () => {
    expect(() => createHashingEmbeddingModel({ dimensions: 4 })).toThrow(/at least 8/);
  });
});
