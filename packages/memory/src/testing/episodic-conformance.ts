import { InvalidArgumentError, type ManualClock } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Episode, EpisodeInput } from '../episode';
import { type MemoryStoreFactory, useConformanceContext } from './conformance-context';

/** The episodic tier's conformance tests (append, read, id rules, search over episodes). */
export function describeEpisodicConformance(backend: string, factory: MemoryStoreFactory): void {
  describe(`${backend} conforms to the Memory Interface: episodic tier`, () => {
    const context = useConformanceContext(factory);
    const { openStore } = context;
    let clock: ManualClock;
    const start = () => {
      clock = context.start();
    };

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
      expect(texts(await store.readEpisodes({ from: new Date('2026-04-03T00:00:00Z') }))).toEqual([
        inputs[2]!.text,
        inputs[3]!.text,
      ]);
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
      expect((await store.readEpisodes({ order: 'desc' })).map((episode) => episode.text)).toEqual([
        'three',
        'two',
        'one',
      ]);
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

    it('refuses an id that appears twice in one append, whatever ifExists says, writing nothing', async () => {
      start();
      const store = await openStore();
      const id = 'epi_01JZZZZZZZZZZZZZZZZZZZZZZZ';
      for (const ifExists of ['error', 'skip'] as const) {
        await expect(
          store.appendEpisodes(
            [
              { kind: 'note', text: 'first' },
              { id, kind: 'note', text: 'chosen once' },
              { id, kind: 'note', text: 'chosen twice' },
            ],
            { ifExists },
          ),
        ).rejects.toThrow(/appears twice in one append/);
      }
      expect(await store.readEpisodes()).toEqual([]);
    });

    it('refuses an episode without text, writing nothing', async () => {
      start();
      const store = await openStore();
      for (const text of ['', '   ', '\n\t']) {
        await expect(store.appendEpisode({ kind: 'note', text })).rejects.toSatisfy((error) =>
          InvalidArgumentError.isInstance(error),
        );
      }
      expect(await store.readEpisodes()).toEqual([]);
    });

    it('is covered by search: episodes matching the query come back ranked, filtered and limited', async () => {
      start();
      const store = await openStore();
      const [launch, , review] = await store.appendEpisodes([
        {
          kind: 'publication',
          text: 'Launched the newsletter with a GPU pricing issue',
          tags: ['newsletter'],
        },
        { kind: 'note', text: 'Lunch with the design team' },
        { kind: 'note', text: 'Review of GPU pricing sources', sources: ['ledger/runs/run_07'] },
      ]);
      await store.upsertSemantic([{ text: 'Spot GPU prices fell by a third' }]);
      const result = await store.search('GPU pricing');
      expect(result.hits.map((hit) => hit.item.text)).toEqual(['Spot GPU prices fell by a third']);
      expect(result.episodes.map((hit) => hit.episode.id).sort()).toEqual(
        [launch!.id, review!.id].sort(),
      );
      expect(result.episodes.every((hit) => hit.matchedBy[0] === 'full-text')).toBe(true);
      for (let index = 1; index < result.episodes.length; index++)
        expect(result.episodes[index - 1]!.score).toBeGreaterThanOrEqual(
          result.episodes[index]!.score,
        );
      expect((await store.search('GPU pricing', { k: 1 })).episodes).toHaveLength(1);
      const filtered = await store.search('GPU pricing', { filter: { kinds: ['note'] } });
      expect(filtered.episodes.map((hit) => hit.episode.id)).toEqual([review!.id]);
      const bySource = await store.search('GPU pricing', { filter: { sourcePrefix: 'ledger/' } });
      expect(bySource.episodes.map((hit) => hit.episode.id)).toEqual([review!.id]);
      const byTag = await store.search('GPU pricing', { filter: { tags: ['newsletter'] } });
      expect(byTag.episodes.map((hit) => hit.episode.id)).toEqual([launch!.id]);
      const semanticOnly = await store.search('GPU pricing', { tiers: ['semantic'] });
      expect(semanticOnly.episodes).toEqual([]);
      const episodicOnly = await store.search('GPU pricing', { tiers: ['episodic'] });
      expect(episodicOnly.hits).toEqual([]);
      expect(episodicOnly.episodes).toHaveLength(2);
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
              const limited = query.limit === undefined ? expected : expected.slice(0, query.limit);
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
}
