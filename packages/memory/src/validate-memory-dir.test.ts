import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consolidateEpisodes } from './consolidation';
import { createFileMemory } from './file-memory';
import { temporaryDirectories } from './testing/temporary-directory';
import { validateMemoryDir } from './validate-memory-dir';

describe('validateMemoryDir', () => {
  const directories = temporaryDirectories();
  afterEach(() => directories.cleanup());

  const validMemory = async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir });
    await store.appendEpisodes([
      { at: '2026-04-01T00:00:00Z', kind: 'note', text: 'old' },
      { at: '2026-04-02T00:00:00Z', kind: 'note', text: 'older' },
    ]);
    await consolidateEpisodes({
      store,
      before: '2026-05-01T00:00:00Z',
      condense: async (batch) => ({ text: batch.map((episode) => episode.text).join(' ') }),
    });
    await store.updateStrategic([{ type: 'add-hypothesis', statement: 'claim', confidence: 0.5 }]);
    return dir;
  };

  it('finds nothing wrong in a memory written by a store, nor in a missing one', async () => {
    expect(await validateMemoryDir(await validMemory(), { displayPath: 'agent/memory' })).toEqual(
      [],
    );
    expect(await validateMemoryDir(join(await directories.create(), 'absent'))).toEqual([]);
  });

  it('reports bad episodic lines at their line and column', async () => {
    const dir = await validMemory();
    const episodic = join(dir, 'episodic.jsonl');
    const lineCount = (await readFile(episodic, 'utf8')).trim().split('\n').length;
    const first = JSON.parse((await readFile(episodic, 'utf8')).split('\n')[0]!);
    const badKind =
      '{"id": "epi_01HZX3K0V8Q5T2N7R4M6W9YB1C", "at": "2026-04-03T00:00:00Z", "kind": "Bad Kind", "text": "x"}';
    const duplicate = JSON.stringify(first);
    const badTime =
      '{"id": "epi_01HZX3K0V8Q5T2N7R4M6W9YB1D", "at": "2026-02-30T00:00:00Z", "kind": "note", "text": "x", "colour": "red"}';
    await appendFile(
      episodic,
      [
        badKind,
        '{ not json',
        duplicate,
        badTime,
        '{"id": "epi_01HZX3K0V8Q5T2N7R4M6W9YB1E", "at"',
      ].join('\n'),
    );
    const diagnostics = await validateMemoryDir(dir, { displayPath: 'agent/memory' });
    const file = 'agent/memory/episodic.jsonl';
    const columnOf = (line: string, text: string) => line.indexOf(text) + 1;
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file,
        line: lineCount + 1,
        column: columnOf(badKind, '"Bad Kind"'),
        code: 'memory/bad-kind',
        severity: 'error',
      }),
      expect.objectContaining({
        file,
        line: lineCount + 2,
        column: 3,
        code: 'jsonl/syntax',
        severity: 'error',
      }),
      expect.objectContaining({
        file,
        line: lineCount + 3,
        column: columnOf(duplicate, '"epi_'),
        code: 'memory/duplicate-id',
        severity: 'error',
      }),
      expect.objectContaining({
        file,
        line: lineCount + 4,
        column: columnOf(badTime, '"colour"'),
        code: 'schema/unknown-field',
        severity: 'warning',
      }),
      expect.objectContaining({
        file,
        line: lineCount + 4,
        column: columnOf(badTime, '"2026-02-30'),
        code: 'time/invalid',
        severity: 'error',
      }),
      expect.objectContaining({
        file,
        line: lineCount + 5,
        column: 1,
        code: 'memory/torn-line',
        severity: 'warning',
      }),
    ]);
  });

  it('reports a blank episode text at its position', async () => {
    const dir = await validMemory();
    const episodic = join(dir, 'episodic.jsonl');
    const lineCount = (await readFile(episodic, 'utf8')).trim().split('\n').length;
    const blank =
      '{"id": "epi_01HZX3K0V8Q5T2N7R4M6W9YB1F", "at": "2026-04-03T00:00:00Z", "kind": "note", "text": "  "}';
    await appendFile(episodic, `${blank}\n`);
    const diagnostics = await validateMemoryDir(dir, { displayPath: 'agent/memory' });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file: 'agent/memory/episodic.jsonl',
        line: lineCount + 1,
        column: blank.indexOf('"  "') + 1,
        code: 'memory/empty-episode',
        severity: 'error',
      }),
    ]);
  });

  it('reports a consolidation marker naming an episode that is not in the log', async () => {
    const dir = await validMemory();
    await appendFile(
      join(dir, 'episodic.jsonl'),
      `${JSON.stringify({ id: 'epi_01HZX3K0V8Q5T2N7R4M6W9YB1F', at: '2026-05-02T00:00:00Z', kind: 'karnel.consolidation', text: 'x', data: { episodes: ['epi_01HZX3K0V8Q5T2N7R4M6W9YB1G'], items: [] } })}\n`,
    );
    const diagnostics = await validateMemoryDir(dir);
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'memory/unknown-episode', severity: 'warning', line: 4 }),
    ]);
  });

  it('reports strategic.yaml problems at their position, and duplicate hypothesis ids', async () => {
    const dir = await validMemory();
    await writeFile(
      join(dir, 'strategic.yaml'),
      [
        'hypotheses:',
        '  - id: hyp_01',
        '    statement: a',
        '    confidence: 0.5',
        '  - id: hyp_01',
        '    statement: b',
        '    confidence: 1.5',
        '',
      ].join('\n'),
    );
    expect(await validateMemoryDir(dir, { displayPath: 'memory' })).toEqual([
      expect.objectContaining({
        file: 'memory/strategic.yaml',
        line: 7,
        column: 17,
        code: 'schema/too-big',
      }),
    ]);
    await writeFile(
      join(dir, 'strategic.yaml'),
      [
        'hypotheses:',
        '  - id: hyp_01',
        '    statement: a',
        '    confidence: 0.5',
        '  - id: hyp_01',
        '    statement: b',
        '    confidence: 0.5',
        '',
      ].join('\n'),
    );
    expect(await validateMemoryDir(dir, { displayPath: 'memory' })).toEqual([
      expect.objectContaining({
        file: 'memory/strategic.yaml',
        line: 5,
        column: 9,
        code: 'strategic/duplicate-hypothesis',
      }),
      expect.objectContaining({
        file: 'memory/strategic.yaml',
        code: 'strategic/unrecorded-change',
        severity: 'info',
      }),
    ]);
  });

  it('notices an altered strategic history and gaps in its revisions', async () => {
    const dir = await validMemory();
    const store = createFileMemory({ dir });
    await store.updateStrategic([{ type: 'add-prior', prior: 'second' }]);
    const path = join(dir, 'strategic.history.jsonl');
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    const first = JSON.parse(lines[0]!);
    first.state.hypotheses[0].confidence = 0.99;
    const second = JSON.parse(lines[1]!);
    second.revision = 5;
    await writeFile(path, `${JSON.stringify(first)}\n${JSON.stringify(second)}\n`);
    const diagnostics = await validateMemoryDir(dir, { displayPath: 'memory' });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file: 'memory/strategic.history.jsonl',
        line: 1,
        code: 'strategic/history-hash',
      }),
      expect.objectContaining({
        file: 'memory/strategic.history.jsonl',
        line: 2,
        code: 'strategic/history-gap',
      }),
    ]);
  });

  it('reports a memory path that is a file', async () => {
    const parent = await directories.create();
    await mkdir(join(parent, 'x'));
    await writeFile(join(parent, 'memory'), 'not a folder');
    expect(await validateMemoryDir(join(parent, 'memory'), { displayPath: 'memory' })).toEqual([
      expect.objectContaining({ file: 'memory', code: 'file/not-a-directory' }),
    ]);
  });
});
