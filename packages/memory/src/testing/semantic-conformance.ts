import type { ManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { EmbedderRequiredError } from '../errors';
import { createHashingEmbeddingModel } from '../hashing-embedding-model';
import type { MemoryStore } from '../memory-store';
import { FULL_TEXT_ONLY_NOTICE } from '../search-support';
import { type MemoryStoreFactory, useConformanceContext } from './conformance-context';

/** The semantic tier's conformance tests (upsert, list, full-text, vector and hybrid search). */
export function describeSemanticConformance(backend: string, factory: MemoryStoreFactory): void {
  describe(`${backend} conforms to the Memory Interface: semantic tier`, () => {
    const context = useConformanceContext(factory);
    const { openStore } = context;
    let clock: ManualClock;
    const start = () => {
      clock = context.start();
    };

    const corpus = [
      {
        title: 'Subject lines',
        text: 'Specific subject lines with numbers raised newsletter open rates',
        kind: 'fact',
        tags: ['newsletter', 'growth'],
        sources: ['ledger/runs/run_03'],
      },
      {
        title: 'Send time',
        text: 'Changing the send time from Monday to Tuesday made no difference to opens',
        kind: 'fact',
        tags: ['newsletter'],
        sources: ['ledger/runs/run_05'],
      },
      {
        title: 'GPU pricing',
        text: 'Spot GPU prices for inference fell by a third across three clouds',
        kind: 'summary',
        tags: ['research'],
        sources: ['https://example.com/gpu'],
      },
      {
        title: 'Critic rejections',
        text: 'The critic rejects headline drafts that promise more than the article delivers',
        kind: 'fact',
        tags: ['quality'],
        sources: ['ledger/runs/run_09', 'epi_01JTEST'],
      },
    ];

    it('writes items, lists them, and replaces an item written again under its id', async () => {
      start();
      const store = await openStore();
      const items = await store.upsertSemantic(corpus);
      expect(items.map((item) => item.id)).toHaveLength(4);
      expect(items[0]!.id).toMatch(/^mem_/);
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
      expect(await store.listSemantic()).toEqual([...items].sort(byId));
      clock.advance(1000);
      const [replacement] = await store.upsertSemantic([
        { ...corpus[1]!, id: items[1]!.id, text: 'Send time matters less than subject lines' },
      ]);
      const listed = await store.listSemantic();
      expect(listed).toHaveLength(4);
      expect(listed.find((item) => item.id === items[1]!.id)).toEqual(replacement);
      const hits = (await store.search('send time subject')).hits.map((hit) => hit.item.id);
      expect(hits).toContain(items[1]!.id);
      expect(
        (await store.search('Monday Tuesday difference')).hits.map((hit) => hit.item.id),
      ).not.toContain(items[1]!.id);
    });

    it('searches by full text when no embedder is configured, says so, and returns sources', async () => {
      start();
      const store = await openStore();
      expect(store.capabilities).toEqual({ fullText: true, vector: false, hybrid: false });
      const items = await store.upsertSemantic(corpus);
      const result = await store.search('what raised open rates of the newsletter?');
      expect(result.mode).toBe('full-text');
      expect(result.notices).toContain(FULL_TEXT_ONLY_NOTICE);
      expect(result.hits[0]!.item).toEqual(items[0]);
      expect(result.hits[0]!.item.sources).toEqual(['ledger/runs/run_03']);
      expect(result.hits[0]!.matchedBy).toEqual(['full-text']);
      for (let index = 1; index < result.hits.length; index++)
        expect(result.hits[index - 1]!.score).toBeGreaterThanOrEqual(result.hits[index]!.score);
      expect((await store.search('inference prices')).hits[0]!.item.id).toBe(items[2]!.id);
      expect((await store.search('zebra')).hits).toEqual([]);
      await expect(store.search('prices', { mode: 'vector' })).rejects.toSatisfy((error) =>
        EmbedderRequiredError.isInstance(error),
      );
      await expect(store.search('prices', { mode: 'hybrid' })).rejects.toSatisfy((error) =>
        EmbedderRequiredError.isInstance(error),
      );
    });

    it('limits hits to k and applies kind, tag and source filters', async () => {
      start();
      const store = await openStore();
      const items = await store.upsertSemantic(corpus);
      const ids = async (query: string, options: Parameters<MemoryStore['search']>[1]) =>
        (await store.search(query, options)).hits.map((hit) => hit.item.id).sort();
      expect((await store.search('newsletter opens subject send', { k: 1 })).hits).toHaveLength(1);
      expect(
        await ids('newsletter opens send subject critic', {
          filter: { tags: ['newsletter', 'growth'] },
        }),
      ).toEqual([items[0]!.id]);
      expect(
        await ids('newsletter inference critic subject', { filter: { kinds: ['summary'] } }),
      ).toEqual([items[2]!.id]);
      expect(
        await ids('subject send critic headline', {
          filter: { sourcePrefix: 'ledger/runs/run_0' },
        }),
      ).toEqual([items[0]!.id, items[1]!.id, items[3]!.id].sort());
      expect(
        await ids('subject send critic headline', { filter: { sourcePrefix: 'epi_' } }),
      ).toEqual([items[3]!.id]);
      expect(await ids('subject send critic headline', { filter: { tags: ['missing'] } })).toEqual(
        [],
      );
    });

    it('runs vector and hybrid search with an embedding model', async () => {
      start();
      const store = await openStore({
        embedder: createHashingEmbeddingModel({ dimensions: 512 }),
      });
      expect(store.capabilities).toEqual({
        fullText: true,
        vector: true,
        hybrid: true,
        embedder: 'karnel:hashing-512',
      });
      const items = await store.upsertSemantic(corpus);
      const vector = await store.search('GPU spot prices for inference', {
        mode: 'vector',
        k: 2,
      });
      expect(vector.mode).toBe('vector');
      expect(vector.hits[0]!.item.id).toBe(items[2]!.id);
      expect(vector.hits).toHaveLength(2);
      const hybrid = await store.search('critic rejects headline drafts');
      expect(hybrid.mode).toBe('hybrid');
      expect(hybrid.notices).toEqual([]);
      expect(hybrid.hits[0]!.item.id).toBe(items[3]!.id);
      const filtered = await store.search('GPU spot prices for inference', {
        mode: 'vector',
        filter: { tags: ['newsletter'] },
      });
      expect(filtered.hits.map((hit) => hit.item.id).sort()).toEqual(
        [items[0]!.id, items[1]!.id].sort(),
      );
    });

    it('embeds through the AI SDK embedding model interface, in batches the model accepts', async () => {
      start();
      const axes: Record<string, number[]> = {
        cats: [1, 0, 0],
        dogs: [0, 1, 0],
        fish: [0, 0, 1],
      };
      const calls: string[][] = [];
      const model = {
        specificationVersion: 'v4' as const,
        provider: 'test',
        modelId: 'axes',
        maxEmbeddingsPerCall: 2,
        supportsParallelCalls: false,
        async doEmbed({ values }: { values: string[] }) {
          calls.push(values);
          return {
            embeddings: values.map((value) => {
              const word = Object.keys(axes).find((candidate) => value.includes(candidate));
              return word ? axes[word]! : [0.5, 0.5, 0.5];
            }),
            warnings: [],
          };
        },
      };
      const store = await openStore({ embedder: model });
      const items = await store.upsertSemantic([
        { text: 'all about cats' },
        { text: 'all about dogs' },
        { text: 'all about fish' },
      ]);
      const result = await store.search('dogs', { mode: 'vector', k: 1 });
      expect(result.hits.map((hit) => hit.item.id)).toEqual([items[1]!.id]);
      expect(calls.every((values) => values.length <= 2)).toBe(true);
      expect(calls.flat()).toEqual(
        expect.arrayContaining(['all about cats', 'all about dogs', 'all about fish', 'dogs']),
      );
    });

    it('embeds items written without an embedder once a store with one searches them', async () => {
      start();
      const plain = await openStore();
      const items = await plain.upsertSemantic(corpus);
      await plain.close();
      const embedded = await openStore({
        dir: plain.dir,
        embedder: createHashingEmbeddingModel(),
      });
      const result = await embedded.search('GPU spot prices for inference', {
        mode: 'vector',
        k: 1,
      });
      expect(result.hits.map((hit) => hit.item.id)).toEqual([items[2]!.id]);
      expect((await embedded.listSemantic()).map((item) => item.id).sort()).toEqual(
        items.map((item) => item.id).sort(),
      );
    });
  });
}
