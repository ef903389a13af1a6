import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createManualClock,
  InvalidArgumentError,
  type ManualClock,
  ValidationError,
} from '@karnel/core';
import { MockEmbeddingModelV4 } from 'ai/test';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Episode, EpisodeInput } from '../episode';
import { EmbedderRequiredError, StrategicWriteDeniedError } from '../errors';
import { createHashingEmbeddingModel } from '../hashing-embedding-model';
import type { MemoryStoreOptions } from '../memory-options';
import type { MemoryStore } from '../memory-store';
import { FULL_TEXT_ONLY_NOTICE } from '../search-support';
import { temporaryDirectories } from './temporary-directory';

/** Creates a store of the backend under test. */
export type MemoryStoreFactory = (options: MemoryStoreOptions) => MemoryStore;

/**
 * The Memory Interface conformance suite (Annex A, section "Conformance"). Every backend runs
 * it unchanged; a new backend conforms when it passes.
 */
export function describeMemoryStoreConformance(backend: string, factory: MemoryStoreFactory): void {
  describe(`${backend} conforms to the Memory Interface`, () => {
    const directories = temporaryDirectories();
    const open: MemoryStore[] = [];
    let clock: ManualClock;

    const openStore = async (options: Partial<MemoryStoreOptions> & { dir?: string } = {}) => {
      const dir = options.dir ?? join(await directories.create(), 'memory');
      const store = factory({ clock, ...options, dir });
      open.push(store);
      return store;
    };

    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
      await directories.cleanup();
    });

    const start = () => {
      clock = createManualClock('2026-05-03T10:00:00.000Z');
    };

    describe('episodic tier', () => {
      it('appends episodes and reads them back, oldest first, with ids and timestamps filled in', async () => {
        start();
        const store = await openStore();
        expect(store.specificationVersion).toBe('v1');
        expect(store.backend).toBe(backend);
        const first = await store.appendEpisode({
          kind: 'run.completed',
          text: 'Drafted the weekly issue',
          sources: ['ledger/runs/run_01'],
        });
        clock.advance(60_000);
        const second = await store.appendEpisode({
          kind: 'publication',
          text: 'Published issue 12',
          actor: 'writer',
          tags: ['newsletter'],
          data: { opens: 412 },
        });
        expect(first.id).toMatch(/^epi_[0-9A-HJKMNP-TV-Z]{26}$/);
        expect(first.at).toBe('2026-05-03T10:00:00.000Z');
        expect(second.at).toBe('2026-05-03T10:01:00.000Z');
        expect(await store.readEpisodes()).toEqual([first, second]);
        expect(second).toEqual({
          id: second.id,
          at: '2026-05-03T10:01:00.000Z',
          kind: 'publication',
          text: 'Published issue 12',
          actor: 'writer',
          tags: ['newsletter'],
          data: { opens: 412 },
        });
      });

      it('filters by time range, kind and text, orders newest first and limits', async () => {
        start();
        const store = await openStore();
        const inputs: EpisodeInput[] = [
          { at: '2026-04-01T00:00:00Z', kind: 'note', text: 'Vector database benchmark started' },
          {
            at: '2026-04-02T00:00:00Z',
            kind: 'publication',
            text: 'Published the vector database review',
          },
          { at: '2026-04-03T00:00:00Z', kind: 'note', text: 'Database migration planned' },
          { at: '2026-04-04T00:00:00Z', kind: 'pivot', text: 'Moved focus to inference costs' },
        ];
        const episodes = await store.appendEpisodes(inputs);
        const texts = (list: Episode[]) => list.map((episode) => episode.text);
        expect(
          texts(
            await store.readEpisodes({ from: '2026-04-02T00:00:00Z', to: '2026-04-04T00:00:00Z' }),
          ),
        ).toEqual([inputs[1]!.text, inputs[2]!.text]);
        expect(texts(await store.readEpisodes({ from: new Date('2026-04-03T00:00:00Z') }))).toEqual(
          [inputs[2]!.text, inputs[3]!.text],
        );
        expect(texts(await store.readEpisodes({ kinds: ['note', 'pivot'] }))).toEqual([
          inputs[0]!.text,
          inputs[2]!.text,
          inputs[3]!.text,
        ]);
        expect(texts(await store.readEpisodes({ text: 'VECTOR database' }))).toEqual([
          inputs[0]!.text,
          inputs[1]!.text,
        ]);
        expect(texts(await store.readEpisodes({ text: 'database', kinds: ['note'] }))).toEqual([
          inputs[0]!.text,
          inputs[2]!.text,
        ]);
        expect(await store.readEpisodes({ text: 'nothing-like-this' })).toEqual([]);
        expect(texts(await store.readEpisodes({ order: 'desc', limit: 2 }))).toEqual([
          inputs[3]!.text,
          inputs[2]!.text,
        ]);
        expect(
          texts(await store.readEpisodes({ text: 'database', order: 'desc', limit: 1 })),
        ).toEqual([inputs[2]!.text]);
        expect(await store.readEpisodes({ kinds: [] })).toEqual([]);
        expect(episodes).toHaveLength(4);
      });

      it('keeps the order of appending between episodes with the same time', async () => {
        start();
        const store = await openStore();
        const at = '2026-04-01T12:00:00Z';
        await store.appendEpisodes([
          { at, kind: 'note', text: 'one' },
          { at, kind: 'note', text: 'two' },
        ]);
        await store.appendEpisode({ at, kind: 'note', text: 'three' });
        expect((await store.readEpisodes()).map((episode) => episode.text)).toEqual([
          'one',
          'two',
          'three',
        ]);
        expect(
          (await store.readEpisodes({ order: 'desc' })).map((episode) => episode.text),
        ).toEqual(['three', 'two', 'one']);
      });

      it('refuses an id already in the log, writing nothing, unless told to skip it', async () => {
        start();
        const store = await openStore();
        const original = await store.appendEpisode({ kind: 'note', text: 'original' });
        const attempt = store.appendEpisodes([
          { kind: 'note', text: 'new' },
          { id: original.id, kind: 'note', text: 'impostor' },
        ]);
        await expect(attempt).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
        expect((await store.readEpisodes()).map((episode) => episode.text)).toEqual(['original']);
        const written = await store.appendEpisodes(
          [
            { kind: 'note', text: 'new' },
            { id: original.id, kind: 'note', text: 'impostor' },
          ],
          { ifExists: 'skip' },
        );
        expect(written.map((episode) => episode.text)).toEqual(['new']);
        expect((await store.readEpisodes()).map((episode) => episode.text)).toEqual([
          'original',
          'new',
        ]);
      });

      it('rejects an invalid episode before writing anything', async () => {
        start();
        const store = await openStore();
        await expect(
          store.appendEpisodes([
            { kind: 'note', text: 'fine' },
            { kind: 'Not A Kind', text: 'bad' },
          ]),
        ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
        await expect(
          store.appendEpisode({ kind: 'note', text: 'bad time', at: 'yesterday' }),
        ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
        expect(await store.readEpisodes()).toEqual([]);
      });

      it('keeps episodes across reopening, and a second store on the same directory sees new ones', async () => {
        start();
        const first = await openStore();
        const episode = await first.appendEpisode({ kind: 'note', text: 'kept' });
        const second = await openStore({ dir: first.dir });
        expect(await second.readEpisodes()).toEqual([episode]);
        const later = await first.appendEpisode({ kind: 'note', text: 'seen by the other store' });
        expect(await second.readEpisodes()).toEqual([episode, later]);
        await first.close();
        const reopened = await openStore({ dir: first.dir });
        expect(await reopened.readEpisodes()).toEqual([episode, later]);
      });

      it('returns exactly the episodes a query describes (property)', async () => {
        start();
        const kinds = ['note', 'run.completed', 'pivot'];
        const episodeArbitrary = fc.record({
          minute: fc.integer({ min: 0, max: 50 }),
          kind: fc.constantFrom(...kinds),
        });
        const queryArbitrary = fc.record({
          from: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
          to: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
          kinds: fc.option(fc.subarray(kinds), { nil: undefined }),
          order: fc.constantFrom('asc' as const, 'desc' as const),
          limit: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
        });
        const time = (minute: number) => new Date(Date.UTC(2026, 3, 1, 0, minute)).toISOString();
        await fc.assert(
          fc.asyncProperty(
            fc.array(episodeArbitrary, { minLength: 1, maxLength: 12 }),
            fc.array(queryArbitrary, { minLength: 1, maxLength: 4 }),
            async (entries, queries) => {
              const store = await openStore();
              const written = await store.appendEpisodes(
                entries.map((entry, index) => ({
                  at: time(entry.minute),
                  kind: entry.kind,
                  text: `entry ${index}`,
                })),
              );
              for (const query of queries) {
                const expected = written
                  .map((episode, index) => ({ episode, index, minute: entries[index]!.minute }))
                  .filter(
                    ({ episode, minute }) =>
                      (query.from === undefined || minute >= query.from) &&
                      (query.to === undefined || minute < query.to) &&
                      (query.kinds === undefined || query.kinds.includes(episode.kind)),
                  )
                  .sort((a, b) => a.minute - b.minute || a.index - b.index)
                  .map(({ episode }) => episode);
                if (query.order === 'desc') expected.reverse();
                const limited =
                  query.limit === undefined ? expected : expected.slice(0, query.limit);
                const actual = await store.readEpisodes({
                  from: query.from === undefined ? undefined : time(query.from),
                  to: query.to === undefined ? undefined : time(query.to),
                  kinds: query.kinds,
                  order: query.order,
                  limit: query.limit,
                });
                expect(actual).toEqual(limited);
              }
              await store.close();
            },
          ),
          { numRuns: 12 },
        );
      });
    });

    describe('semantic tier', () => {
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
        expect((await store.search('newsletter opens subject send', { k: 1 })).hits).toHaveLength(
          1,
        );
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
        expect(
          await ids('subject send critic headline', { filter: { tags: ['missing'] } }),
        ).toEqual([]);
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

      it('embeds through the AI SDK embedding model interface', async () => {
        start();
        const axes: Record<string, number[]> = {
          cats: [1, 0, 0],
          dogs: [0, 1, 0],
          fish: [0, 0, 1],
        };
        const model = new MockEmbeddingModelV4({
          provider: 'test',
          modelId: 'axes',
          doEmbed: async ({ values }) => ({
            embeddings: values.map((value) => {
              const word = Object.keys(axes).find((candidate) => value.includes(candidate));
              return word ? axes[word]! : [0.5, 0.5, 0.5];
            }),
            warnings: [],
          }),
        });
        const store = await openStore({ embedder: model });
        const items = await store.upsertSemantic([
          { text: 'all about cats' },
          { text: 'all about dogs' },
          { text: 'all about fish' },
        ]);
        const result = await store.search('dogs', { mode: 'vector', k: 1 });
        expect(result.hits.map((hit) => hit.item.id)).toEqual([items[1]!.id]);
        expect(model.doEmbedCalls.flatMap((call) => call.values)).toEqual(
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

    describe('strategic tier', () => {
      it('is empty at first, then keeps every revision of typed updates', async () => {
        start();
        const store = await openStore();
        expect(await store.readStrategic()).toEqual({});
        expect(await store.strategicHistory()).toEqual([]);
        const first = await store.updateStrategic(
          [
            {
              type: 'add-hypothesis',
              id: 'hyp_01',
              statement: 'Specific subject lines drive open rate more than send time',
              confidence: 0.6,
              evidence_for: ['ledger/run_03'],
            },
            { type: 'add-prior', prior: 'Concrete code beats pure analysis on engagement' },
            {
              type: 'update-self-model',
              field: 'strengths_observed',
              add: ['technical synthesis'],
            },
          ],
          { reason: 'first review' },
        );
        expect(first.revision).toBe(1);
        expect(first.origin).toBe('update');
        clock.advance(86_400_000);
        const second = await store.updateStrategic([
          {
            type: 'record-evidence',
            hypothesis: 'hyp_01',
            direction: 'against',
            refs: ['ledger/run_05'],
          },
          { type: 'set-confidence', hypothesis: 'hyp_01', confidence: 0.45 },
        ]);
        expect(second.revision).toBe(2);
        expect(await store.readStrategic()).toEqual({
          hypotheses: [
            {
              id: 'hyp_01',
              statement: 'Specific subject lines drive open rate more than send time',
              evidence_for: ['ledger/run_03'],
              evidence_against: ['ledger/run_05'],
              confidence: 0.45,
              last_reviewed: '2026-05-04',
            },
          ],
          priors: ['Concrete code beats pure analysis on engagement'],
          self_model: { strengths_observed: ['technical synthesis'] },
        });
        const history = await store.strategicHistory();
        expect(history.map((revision) => revision.revision)).toEqual([1, 2]);
        expect(history[0]!.state.hypotheses![0]!.confidence).toBe(0.6);
        expect(history[0]!.reason).toBe('first review');
        const text = await readFile(join(store.dir, 'strategic.yaml'), 'utf8');
        expect(text.indexOf('id: hyp_01')).toBeLessThan(text.indexOf('statement:'));
      });

      it('records a hand edit as its own revision before applying the next update', async () => {
        start();
        const store = await openStore();
        await store.updateStrategic([{ type: 'add-prior', prior: 'first prior' }]);
        await writeFile(join(store.dir, 'strategic.yaml'), 'priors:\n  - edited by hand\n');
        expect(await store.readStrategic()).toEqual({ priors: ['edited by hand'] });
        const revision = await store.updateStrategic([{ type: 'add-prior', prior: 'added later' }]);
        expect(revision.revision).toBe(3);
        const history = await store.strategicHistory();
        expect(history.map((entry) => entry.origin)).toEqual(['update', 'observed', 'update']);
        expect(history[1]!.state).toEqual({ priors: ['edited by hand'] });
        expect(await store.readStrategic()).toEqual({ priors: ['edited by hand', 'added later'] });
      });

      it('guards group strategic memory by role, with a clear error, and never guards reading', async () => {
        start();
        const dir = join(await directories.create(), 'memory');
        const researcher = await openStore({ dir, group: true, writer: { role: 'researcher' } });
        const attempt = researcher.updateStrategic([
          { type: 'add-prior', prior: 'researchers know best' },
        ]);
        await expect(attempt).rejects.toSatisfy((error) =>
          StrategicWriteDeniedError.isInstance(error),
        );
        await expect(attempt).rejects.toThrow(
          /role "researcher" is not allowed; the rule is that only "strategist" may write it/,
        );
        const anonymous = await openStore({ dir, group: true });
        await expect(
          anonymous.updateStrategic([{ type: 'add-prior', prior: 'anyone' }]),
        ).rejects.toThrow(/gave no role/);
        const strategist = await openStore({
          dir,
          group: true,
          writer: { role: 'strategist', id: 'agt_01HZX3K0V8Q5T2N7R4M6W9YB1C' },
        });
        const revision = await strategist.updateStrategic([
          { type: 'add-prior', prior: 'reviewed by the strategist' },
        ]);
        expect(revision.writer).toEqual({
          role: 'strategist',
          id: 'agt_01HZX3K0V8Q5T2N7R4M6W9YB1C',
        });
        expect(await researcher.readStrategic()).toEqual({
          priors: ['reviewed by the strategist'],
        });
        const custom = await openStore({
          dir,
          group: true,
          strategicWriters: ['critic'],
          writer: { role: 'strategist' },
        });
        await expect(custom.updateStrategic([{ type: 'add-prior', prior: 'x' }])).rejects.toThrow(
          /only "critic" may write it/,
        );
        const agent = await openStore({ writer: { role: 'researcher' } });
        await expect(
          agent.updateStrategic([{ type: 'add-prior', prior: 'my own memory' }]),
        ).resolves.toMatchObject({ revision: 1 });
      });

      it('rejects an update that does not fit the current state, changing nothing', async () => {
        start();
        const store = await openStore();
        await expect(
          store.updateStrategic([
            { type: 'set-confidence', hypothesis: 'hyp_missing', confidence: 0.2 },
          ]),
        ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
        await expect(
          store.updateStrategic([
            { type: 'add-prior', prior: 'ok' },
            { type: 'remove-prior', prior: 'absent' },
          ]),
        ).rejects.toThrow(/no such prior/);
        expect(await store.strategicHistory()).toEqual([]);
        expect(await store.readStrategic()).toEqual({});
      });

      it('reports an invalid strategic.yaml with its position', async () => {
        start();
        const store = await openStore();
        await store.updateStrategic([{ type: 'add-prior', prior: 'valid' }]);
        await writeFile(
          join(store.dir, 'strategic.yaml'),
          'hypotheses:\n  - id: hyp_01\n    statement: s\n    confidence: 2\n',
        );
        const error = await store.readStrategic().catch((caught: unknown) => caught);
        expect(ValidationError.isInstance(error)).toBe(true);
        expect((error as ValidationError).diagnostics[0]).toMatchObject({
          line: 4,
          column: 17,
          severity: 'error',
        });
      });

      it('imports another memory history, and refuses one that diverged', async () => {
        start();
        const source = await openStore();
        await source.updateStrategic([{ type: 'add-prior', prior: 'one' }]);
        await source.updateStrategic([{ type: 'add-prior', prior: 'two' }]);
        const target = await openStore();
        expect(await target.importStrategicHistory(await source.strategicHistory())).toBe(2);
        expect(await target.readStrategic()).toEqual(await source.readStrategic());
        expect(await target.importStrategicHistory(await source.strategicHistory())).toBe(0);
        await source.updateStrategic([{ type: 'add-prior', prior: 'three' }]);
        expect(await target.importStrategicHistory(await source.strategicHistory())).toBe(1);
        await target.updateStrategic([{ type: 'add-prior', prior: 'target only' }]);
        await source.updateStrategic([{ type: 'add-prior', prior: 'source only' }]);
        await expect(
          target.importStrategicHistory(await source.strategicHistory()),
        ).rejects.toThrow(/diverged/);
      });
    });
  });
}
