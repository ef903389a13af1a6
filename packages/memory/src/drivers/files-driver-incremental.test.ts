import { execFileSync } from 'node:child_process';
import { appendFile, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '@karnel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleContext } from '../context-assembly';
import type { Episode } from '../episode';
import { createFileMemory } from '../file-memory';
import { temporaryDirectories } from '../testing/temporary-directory';

const directories = temporaryDirectories();
afterEach(() => directories.cleanup());

/** A stored episode line as another writer would put it in the file. */
function episodeLine(id: string, text: string, at = '2099-03-01T10:00:00.000Z'): string {
  return JSON.stringify({ id, at, kind: 'note', text });
}

const texts = (episodes: readonly Episode[]) => episodes.map((episode) => episode.text);

describe('the files driver reads only what was appended since its last read', () => {
  it('sees episodes appended by another store instance on its next read, search and context', async () => {
    const dir = join(await directories.create(), 'memory');
    const reader = createFileMemory({ dir, onDiagnostic: () => {} });
    const writer = createFileMemory({ dir, onDiagnostic: () => {} });
    await writer.appendEpisode({ kind: 'note', text: 'first harvest of apples' });
    expect(texts(await reader.readEpisodes())).toEqual(['first harvest of apples']);

    await writer.appendEpisode({ kind: 'note', text: 'second harvest of pears' });
    expect(texts(await reader.readEpisodes({ order: 'desc', limit: 1 }))).toEqual([
      'second harvest of pears',
    ]);
    await writer.appendEpisode({ kind: 'note', text: 'plums were sold at the market' });
    const found = await reader.search('plums market', { tiers: ['episodic'] });
    expect(found.episodes.map((hit) => hit.episode.text)).toEqual([
      'plums were sold at the market',
    ]);
    await writer.appendEpisode({ kind: 'note', text: 'cherries are ripe' });
    const context = await assembleContext({ store: reader, task: 'fruit', budgetTokens: 500 });
    expect(context.items.map((item) => item.text)).toContainEqual(
      expect.stringMatching(/cherries are ripe$/),
    );
    // The reader wrote nothing: every episode it returned was read from the file.
    expect(texts(await reader.readEpisodes())).toEqual([
      'first harvest of apples',
      'second harvest of pears',
      'plums were sold at the market',
      'cherries are ripe',
    ]);
  });

  it('sees a line appended by another process', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir, onDiagnostic: () => {} });
    await store.appendEpisode({ kind: 'note', text: 'written here' });
    expect(texts(await store.readEpisodes())).toEqual(['written here']);
    const line = episodeLine('epi_01JQ0000000000000000000001', 'written by another process');
    execFileSync(process.execPath, [
      '-e',
      'require("node:fs").appendFileSync(process.argv[1], process.argv[2] + "\\n")',
      join(dir, 'episodic.jsonl'),
      line,
    ]);
    expect(texts(await store.readEpisodes())).toEqual([
      'written here',
      'written by another process',
    ]);
    const found = await store.search('another process', { tiers: ['episodic'] });
    expect(found.episodes.map((hit) => hit.episode.id)).toEqual(['epi_01JQ0000000000000000000001']);
  });

  it('reads a file that was cut shorter again from its first line', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir, onDiagnostic: () => {} });
    await store.appendEpisodes([
      { kind: 'note', text: 'one long account of the first day' },
      { kind: 'note', text: 'two long account of the second day' },
    ]);
    expect(await store.readEpisodes()).toHaveLength(2);
    const path = join(dir, 'episodic.jsonl');
    await writeFile(path, `${episodeLine('epi_01JQ0000000000000000000002', 'short')}\n`);
    expect(texts(await store.readEpisodes())).toEqual(['short']);
    expect(
      (await store.search('account', { tiers: ['episodic'] })).episodes.map((hit) => hit.episode),
    ).toEqual([]);
  });

  it('reads a file replaced by a longer one again from its first line, not from the old offset', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir, onDiagnostic: () => {} });
    await store.appendEpisode({ kind: 'note', text: 'the old log' });
    expect(texts(await store.readEpisodes())).toEqual(['the old log']);
    const path = join(dir, 'episodic.jsonl');
    const replacement = [
      episodeLine('epi_01JQ0000000000000000000003', 'a restored backup, first line'),
      episodeLine('epi_01JQ0000000000000000000004', 'a restored backup, second line'),
      '',
    ].join('\n');
    await writeFile(`${path}.new`, replacement);
    await rename(`${path}.new`, path);
    expect(texts(await store.readEpisodes())).toEqual([
      'a restored backup, first line',
      'a restored backup, second line',
    ]);
  });

  it('reads a file rewritten in place at the same length again', async () => {
    const dir = join(await directories.create(), 'memory');
    const path = join(dir, 'episodic.jsonl');
    const store = createFileMemory({ dir, onDiagnostic: () => {} });
    await store.appendEpisode({ id: 'epi_01JQ0000000000000000000005', kind: 'note', text: 'aaaa' });
    expect(texts(await store.readEpisodes())).toEqual(['aaaa']);
    const before = await readFile(path, 'utf8');
    await writeFile(path, before.replace('aaaa', 'bbbb'));
    // Whatever the file system's clock resolution, the rewrite has another modification time.
    await utimes(path, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    expect(texts(await store.readEpisodes())).toEqual(['bbbb']);
  });

  it('forgets what it read from a file that was removed, and reads a new one whole', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir, onDiagnostic: () => {} });
    await store.appendEpisode({ kind: 'note', text: 'gone soon' });
    expect(await store.readEpisodes()).toHaveLength(1);
    await rm(join(dir, 'episodic.jsonl'));
    expect(await store.readEpisodes()).toEqual([]);
    await store.appendEpisode({ kind: 'note', text: 'a new beginning' });
    expect(texts(await store.readEpisodes())).toEqual(['a new beginning']);
  });

  it('leaves a torn last line alone until its writer completes it', async () => {
    const dir = join(await directories.create(), 'memory');
    const reported: Diagnostic[] = [];
    const store = createFileMemory({
      dir,
      onDiagnostic: (diagnostic) => reported.push(diagnostic),
    });
    await store.appendEpisode({ kind: 'note', text: 'complete' });
    expect(await store.readEpisodes()).toHaveLength(1);
    const path = join(dir, 'episodic.jsonl');
    const line = episodeLine('epi_01JQ0000000000000000000006', 'arrived in two writes');
    const half = Math.floor(line.length / 2);
    await appendFile(path, line.slice(0, half));
    expect(texts(await store.readEpisodes())).toEqual(['complete']);
    expect((await store.search('arrived', { tiers: ['episodic'] })).episodes).toEqual([]);
    await appendFile(path, `${line.slice(half)}\n`);
    expect(texts(await store.readEpisodes())).toEqual(['complete', 'arrived in two writes']);
    expect(reported).toEqual([]);
  });

  it('reports a malformed appended line at its line and column, and keeps reading after it', async () => {
    const dir = join(await directories.create(), 'memory');
    const reported: Diagnostic[] = [];
    const store = createFileMemory({
      dir,
      onDiagnostic: (diagnostic) => reported.push(diagnostic),
    });
    await store.appendEpisodes([
      { kind: 'note', text: 'line one' },
      { kind: 'note', text: 'line two' },
    ]);
    expect(await store.readEpisodes()).toHaveLength(2);
    const path = join(dir, 'episodic.jsonl');
    await appendFile(path, '{"id": "epi_x", oops}\n{"hello":"world"}\n');
    expect(texts(await store.readEpisodes())).toEqual(['line one', 'line two']);
    expect(reported).toEqual([
      expect.objectContaining({ file: path, line: 3, column: 17, code: 'jsonl/syntax' }),
      expect.objectContaining({ file: path, line: 4, column: 1, code: 'memory/bad-record' }),
    ]);
    await appendFile(path, `${episodeLine('epi_01JQ0000000000000000000007', 'line five')}\n`);
    expect(texts(await store.readEpisodes())).toEqual(['line one', 'line two', 'line five']);
    // Each damaged line is reported once, when it is first read.
    expect(reported).toHaveLength(2);
  });

  it('keeps episodes appended out of time order in time order for ranged and limited reads', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir, onDiagnostic: () => {} });
    await store.appendEpisodes([
      { kind: 'note', text: 'noon', at: '2026-03-01T12:00:00Z' },
      { kind: 'alert', text: 'evening', at: '2026-03-01T18:00:00Z' },
    ]);
    expect(await store.readEpisodes()).toHaveLength(2);
    // An import of older episodes, and one at the same time as an earlier one.
    await store.appendEpisodes([
      { kind: 'note', text: 'morning', at: '2026-03-01T08:00:00Z' },
      { kind: 'note', text: 'noon again', at: '2026-03-01T12:00:00Z' },
    ]);
    expect(texts(await store.readEpisodes())).toEqual(['morning', 'noon', 'noon again', 'evening']);
    expect(texts(await store.readEpisodes({ order: 'desc', limit: 3 }))).toEqual([
      'evening',
      'noon again',
      'noon',
    ]);
    expect(
      texts(
        await store.readEpisodes({
          from: '2026-03-01T08:00:01Z',
          to: '2026-03-01T18:00:00Z',
          kinds: ['note'],
        }),
      ),
    ).toEqual(['noon', 'noon again']);
    expect(
      texts(await store.readEpisodes({ order: 'desc', kinds: ['alert', 'note'], limit: 1 })),
    ).toEqual(['evening']);
  });

  it('sees semantic items of a replaced items file, not the old ones', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir, onDiagnostic: () => {} });
    await store.upsertSemantic([{ text: 'the old fact about rivers', sources: [] }]);
    expect((await store.listSemantic()).map((item) => item.text)).toEqual([
      'the old fact about rivers',
    ]);
    const path = join(dir, 'semantic', 'items.jsonl');
    const other = createFileMemory({ dir: join(await directories.create(), 'memory') });
    await other.upsertSemantic([
      { text: 'a new fact about mountains', sources: [] },
      { text: 'another new fact about lakes', sources: [] },
    ]);
    await writeFile(`${path}.new`, await readFile(join(other.dir, 'semantic', 'items.jsonl')));
    await rename(`${path}.new`, path);
    expect((await store.listSemantic()).map((item) => item.text)).toEqual([
      'a new fact about mountains',
      'another new fact about lakes',
    ]);
    expect((await store.search('rivers', { tiers: ['semantic'] })).hits).toEqual([]);
  });

  it('sees strategic memory changed by another store, by hand or removed, and hands out copies', async () => {
    const dir = join(await directories.create(), 'memory');
    const reader = createFileMemory({ dir, onDiagnostic: () => {} });
    const writer = createFileMemory({ dir, onDiagnostic: () => {} });
    expect(await reader.readStrategic()).toEqual({});
    await writer.updateStrategic([{ type: 'add-prior', prior: 'readers like short issues' }]);
    const first = await reader.readStrategic();
    expect(first.priors).toEqual(['readers like short issues']);
    first.priors!.push('changed by a caller');
    expect((await reader.readStrategic()).priors).toEqual(['readers like short issues']);
    await writer.updateStrategic([{ type: 'add-prior', prior: 'weekly beats daily' }]);
    expect((await reader.readStrategic()).priors).toEqual([
      'readers like short issues',
      'weekly beats daily',
    ]);
    // A hand edit in place, at the same length.
    const path = join(dir, 'strategic.yaml');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('weekly beats daily', 'daily beats weekly'));
    await utimes(path, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    expect((await reader.readStrategic()).priors).toEqual([
      'readers like short issues',
      'daily beats weekly',
    ]);
    await rm(path);
    expect(await reader.readStrategic()).toEqual({});
  });
});
