import { mkdir, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { consolidateEpisodes, listUnconsolidatedEpisodes } from './consolidation';
import { CONSOLIDATION_KIND, type Episode } from './episode';
import { createFileMemory } from './file-memory';
import { temporaryDirectories } from './testing/temporary-directory';

describe('consolidateEpisodes', () => {
  const directories = temporaryDirectories();
  afterEach(() => directories.cleanup());

  const condense = async (batch: readonly Episode[]) => ({
    kind: 'summary',
    text: `Summary of ${batch.map((episode) => episode.text).join(', ')}`,
  });

  const withEpisodes = async () => {
    const store = createFileMemory({
      dir: join(await directories.create(), 'memory'),
      clock: createManualClock('2026-05-10T00:00:00Z'),
    });
    const episodes = await store.appendEpisodes([
      { at: '2026-04-01T00:00:00Z', kind: 'note', text: 'a' },
      { at: '2026-04-02T00:00:00Z', kind: 'publication', text: 'b' },
      { at: '2026-04-03T00:00:00Z', kind: 'note', text: 'c' },
      { at: '2026-04-04T00:00:00Z', kind: 'note', text: 'd' },
      { at: '2026-05-09T00:00:00Z', kind: 'note', text: 'recent' },
    ]);
    return { store, episodes };
  };

  it('condenses old episodes in batches, keeps them, and marks them consolidated', async () => {
    const { store, episodes } = await withEpisodes();
    const seen: string[][] = [];
    const report = await consolidateEpisodes({
      store,
      before: '2026-05-01T00:00:00Z',
      batchSize: 3,
      condense: async (batch) => {
        seen.push(batch.map((episode) => episode.text));
        return condense(batch);
      },
    });
    expect(seen).toEqual([['a', 'b', 'c'], ['d']]);
    expect(report).toMatchObject({ batches: 2, episodes: 4 });
    expect(report.items[0]!.sources).toEqual(episodes.slice(0, 3).map((episode) => episode.id));
    expect(report.items[0]!.text).toBe('Summary of a, b, c');
    expect(report.markers[0]).toMatchObject({
      kind: CONSOLIDATION_KIND,
      sources: [report.items[0]!.id],
      data: {
        episodes: episodes.slice(0, 3).map((episode) => episode.id),
        items: [report.items[0]!.id],
      },
    });
    const all = await store.readEpisodes();
    expect(all.filter((episode) => episode.kind !== CONSOLIDATION_KIND)).toEqual(episodes);
    expect((await listUnconsolidatedEpisodes(store)).map((episode) => episode.text)).toEqual([
      'recent',
    ]);
    const again = await consolidateEpisodes({ store, before: '2026-05-01T00:00:00Z', condense });
    expect(again).toEqual({ batches: 0, episodes: 0, items: [], markers: [] });
    expect((await store.search('summary')).hits).toHaveLength(2);
  });

  it('groups batches by key and stops after maxBatches', async () => {
    const { store } = await withEpisodes();
    const seen: string[][] = [];
    const report = await consolidateEpisodes({
      store,
      before: '2026-05-01T00:00:00Z',
      groupBy: (episode) => episode.kind,
      maxBatches: 1,
      condense: async (batch) => {
        seen.push(batch.map((episode) => episode.text));
        return [await condense(batch), { text: 'second item', sources: ['ledger/run_1'] }];
      },
    });
    expect(seen).toEqual([['a', 'c', 'd']]);
    expect(report.items.map((item) => item.sources)).toEqual([
      report.markers[0]!.data!.episodes,
      ['ledger/run_1'],
    ]);
    expect(
      (await listUnconsolidatedEpisodes(store, { before: '2026-05-01T00:00:00Z' })).map(
        (episode) => episode.text,
      ),
    ).toEqual(['b']);
  });

  it('repeats a batch whose marker was never written without duplicating its items', async () => {
    const { store } = await withEpisodes();
    const episodic = join(store.dir, 'episodic.jsonl');
    const aside = join(store.dir, 'episodic.aside');
    // The marker append fails: the log's path is briefly a folder while the items are written.
    const failing = consolidateEpisodes({
      store,
      before: '2026-05-01T00:00:00Z',
      condense: async (batch) => {
        await rename(episodic, aside);
        await mkdir(episodic);
        return condense(batch);
      },
    });
    await expect(failing).rejects.toThrow();
    await rmdir(episodic);
    await rename(aside, episodic);
    expect(await store.listSemantic()).toHaveLength(1);
    const report = await consolidateEpisodes({ store, before: '2026-05-01T00:00:00Z', condense });
    expect(report.batches).toBe(1);
    expect(await store.listSemantic()).toEqual(report.items);
  });
});
