import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLayoutConflictError } from './errors';
import { createFileMemory } from './file-memory';
import { createLanceMemory } from './lancedb/lance-memory';
import type { MemoryStore } from './memory-store';
import { copyMemory, exportMemoryToFile, importMemory, readMemoryExport } from './memory-transfer';
import { createSqliteMemory } from './sqlite-memory';
import { temporaryDirectories } from './testing/temporary-directory';

describe('moving memory between backends', () => {
  const directories = temporaryDirectories();
  const stores: MemoryStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await directories.cleanup();
  });
  const track = <T extends MemoryStore>(store: T) => {
    stores.push(store);
    return store;
  };

  const source = async () => {
    const clock = createManualClock('2026-04-01T00:00:00Z');
    const store = track(
      createFileMemory({ dir: join(await directories.create(), 'memory'), clock }),
    );
    for (let index = 0; index < 25; index++) {
      clock.advance(60_000);
      await store.appendEpisodes([
        {
          kind: index % 2 ? 'note' : 'run.completed',
          text: `episode ${index}`,
          sources: [`ledger/runs/run_${index}`],
          data: { index },
        },
      ]);
    }
    await store.upsertSemantic([
      { title: 'One', text: 'first item about subject lines', tags: ['a'] },
      { text: 'second item about GPU prices', kind: 'summary', sources: ['https://example.com'] },
    ]);
    await store.updateStrategic([
      { type: 'add-hypothesis', id: 'hyp_01', statement: 'claim', confidence: 0.4 },
    ]);
    await store.updateStrategic([
      { type: 'set-confidence', hypothesis: 'hyp_01', confidence: 0.6 },
    ]);
    return store;
  };

  const snapshot = async (store: MemoryStore) => ({
    episodes: await store.readEpisodes(),
    items: await store.listSemantic(),
    history: await store.strategicHistory(),
    strategic: await store.readStrategic(),
  });

  it('copies files → sqlite → lancedb → files without losing or changing a row, and repeats safely', async () => {
    const files = await source();
    const sqlite = track(createSqliteMemory({ dir: join(await directories.create(), 'memory') }));
    const lance = track(createLanceMemory({ dir: join(await directories.create(), 'memory') }));
    const back = track(createFileMemory({ dir: join(await directories.create(), 'memory') }));
    const expected = await snapshot(files);
    expect(await copyMemory(files, sqlite, { batchSize: 7 })).toEqual({
      episodesAdded: 25,
      episodesSkipped: 0,
      semanticWritten: 2,
      strategicRevisionsAdded: 2,
    });
    await copyMemory(sqlite, lance);
    await copyMemory(lance, back);
    for (const store of [sqlite, lance, back]) expect(await snapshot(store)).toEqual(expected);
    expect(await copyMemory(files, back)).toEqual({
      episodesAdded: 0,
      episodesSkipped: 25,
      semanticWritten: 2,
      strategicRevisionsAdded: 0,
    });
    expect(await snapshot(back)).toEqual(expected);
    expect((await lance.search('GPU prices')).hits[0]!.item.text).toBe(
      'second item about GPU prices',
    );
  });

  it('moves a memory to another backend in the same directory, sharing its strategic files', async () => {
    const files = await source();
    // Without the option, LanceDB refuses a folder whose files-backend records it would not see.
    await expect(createLanceMemory({ dir: files.dir }).readEpisodes()).rejects.toSatisfy((error) =>
      MemoryLayoutConflictError.isInstance(error),
    );
    const lance = track(createLanceMemory({ dir: files.dir, filesRecords: 'ignore' }));
    expect(await copyMemory(files, lance)).toEqual({
      episodesAdded: 25,
      episodesSkipped: 0,
      semanticWritten: 2,
      strategicRevisionsAdded: 0,
    });
    expect(await snapshot(lance)).toEqual(await snapshot(files));
    // Once moved, the LanceDB memory opens without the option: its own storage holds the records.
    const reopened = track(createLanceMemory({ dir: files.dir }));
    expect(await snapshot(reopened)).toEqual(await snapshot(files));
  });

  it('exports to a file and imports it elsewhere; refuses a file that was cut off', async () => {
    const files = await source();
    const path = join(await directories.create(), 'memory.jsonl');
    const clock = createManualClock('2026-05-01T00:00:00Z');
    expect(await exportMemoryToFile(files, path, { clock })).toEqual({
      episodes: 25,
      semantic: 2,
      strategic_revisions: 2,
    });
    const content = await readMemoryExport(path);
    expect(content.diagnostics).toEqual([]);
    expect(content.header).toMatchObject({
      format: 'karnel-memory-export',
      version: 1,
      exported_at: '2026-05-01T00:00:00.000Z',
      backend: 'files',
    });
    const sqlite = track(createSqliteMemory({ dir: join(await directories.create(), 'memory') }));
    const { report, diagnostics } = await importMemory(sqlite, content);
    expect(diagnostics).toEqual([]);
    expect(report).toEqual({
      episodesAdded: 25,
      episodesSkipped: 0,
      semanticWritten: 2,
      strategicRevisionsAdded: 2,
    });
    expect(await snapshot(sqlite)).toEqual(await snapshot(files));

    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    const cut = join(await directories.create(), 'cut.jsonl');
    await writeFile(cut, `${lines.slice(0, 20).join('\n')}\n`);
    const truncated = await readMemoryExport(cut, { displayPath: 'cut.jsonl' });
    expect(truncated.diagnostics).toEqual([
      expect.objectContaining({
        file: 'cut.jsonl',
        code: 'memory/export-truncated',
        message: expect.stringContaining('announces 25 episodes but the file holds 19'),
      }),
      expect.objectContaining({ code: 'memory/export-truncated' }),
      expect.objectContaining({ code: 'memory/export-truncated' }),
    ]);
    const empty = track(createFileMemory({ dir: join(await directories.create(), 'memory') }));
    expect((await importMemory(empty, truncated)).report).toBeUndefined();
    expect(await empty.readEpisodes()).toEqual([]);

    const damaged = join(await directories.create(), 'damaged.jsonl');
    await writeFile(
      damaged,
      `${[lines[0], '{"type":"episode","episode":{"id":"nope"}}', ...lines.slice(1)].join('\n')}\n`,
    );
    expect((await readMemoryExport(damaged)).diagnostics).toEqual([
      expect.objectContaining({ line: 2, code: 'memory/bad-export-record' }),
    ]);
    expect(
      (await readMemoryExport(join(await directories.create(), 'absent.jsonl'))).diagnostics,
    ).toEqual([expect.objectContaining({ code: 'file/missing' })]);
  });
});
