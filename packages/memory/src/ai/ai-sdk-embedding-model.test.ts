import { join } from 'node:path';
import { MockEmbeddingModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileMemory } from '../file-memory';
import { temporaryDirectories } from '../testing/temporary-directory';
import { aiSdkEmbedderId, fromAiSdkEmbeddingModel } from './ai-sdk-embedding-model';

const directories = temporaryDirectories();
afterEach(() => directories.cleanup());

describe('fromAiSdkEmbeddingModel', () => {
  it('embeds through the AI SDK embedMany, batching by the model’s own limit', async () => {
    const model = new MockEmbeddingModelV4({
      provider: 'test',
      modelId: 'axes',
      maxEmbeddingsPerCall: 2,
      doEmbed: async ({ values }) => ({
        embeddings: values.map((value) => (value.includes('cats') ? [1, 0] : [0, 1])),
        warnings: [],
      }),
    });
    const store = createFileMemory({
      dir: join(await directories.create(), 'memory'),
      embedder: fromAiSdkEmbeddingModel(model),
    });
    expect(store.capabilities.embedder).toBe('test:axes');
    const items = await store.upsertSemantic([
      { text: 'all about cats' },
      { text: 'all about dogs' },
      { text: 'more dogs' },
    ]);
    const result = await store.search('cats', { mode: 'vector', k: 1 });
    expect(result.hits.map((hit) => hit.item.id)).toEqual([items[0]!.id]);
    expect(model.doEmbedCalls.map((call) => call.values.length)).toEqual([2, 1, 1]);
  });

  it('names gateway model ids as gateway:<id>', () => {
    expect(aiSdkEmbedderId('openai/text-embedding-3-small')).toBe(
      'gateway:openai/text-embedding-3-small',
    );
    expect(fromAiSdkEmbeddingModel('openai/text-embedding-3-small').provider).toBe('gateway');
  });
});
