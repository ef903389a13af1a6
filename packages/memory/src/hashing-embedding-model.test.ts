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

  it('refuses too few or too many dimensions (the bound keeps a command-line size from exhausting memory)', () => {
    expect(() => createHashingEmbeddingModel({ dimensions: 4 })).toThrow(/from 8 to 4096/);
    expect(() => createHashingEmbeddingModel({ dimensions: 4097 })).toThrow(/from 8 to 4096/);
    expect(() => createHashingEmbeddingModel({ dimensions: 1e9 })).toThrow(/from 8 to 4096/);
    expect(createHashingEmbeddingModel({ dimensions: 4096 }).modelId).toBe('hashing-4096');
  });
});
