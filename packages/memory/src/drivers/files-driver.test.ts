import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '@karnel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileMemory } from '../file-memory';
import { temporaryDirectories } from '../testing/temporary-directory';

const directories = temporaryDirectories();
afterEach(() => directories.cleanup());

describe('the files driver and damaged lines', () => {
  it('reports a corrupt line in the middle of episodic.jsonl at its line and column, on search and add', async () => {
    const dir = join(await directories.create(), 'memory');
    const writer = createFileMemory({ dir, onDiagnostic: () => {} });
    const [first] = await writer.appendEpisodes([
      { kind: 'note', text: 'alpha launch' },
      { kind: 'note', text: 'beta launch' },
    ]);
    const path = join(dir, 'episodic.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n');
    await writeFile(path, [lines[0], '{"id": "epi_x", oops}', lines[1], ''].join('\n'));

    const reported: Diagnostic[] = [];
    const store = createFileMemory({
      dir,
      onDiagnostic: (diagnostic) => reported.push(diagnostic),
    });
    const result = await store.search('launch');
    expect(result.episodes.map((hit) => hit.episode.text).sort()).toEqual([
      'alpha launch',
      'beta launch',
    ]);
    expect(reported).toEqual([
      expect.objectContaining({
        file: path,
        line: 2,
        column: 17,
        code: 'jsonl/syntax',
        severity: 'error',
      }),
    ]);

    const adding: Diagnostic[] = [];
    const adder = createFileMemory({ dir, onDiagnostic: (diagnostic) => adding.push(diagnostic) });
    await adder.appendEpisode({ id: first!.id, kind: 'note', text: 'dup' }).catch(() => undefined);
    expect(adding.map((diagnostic) => `${diagnostic.line}:${diagnostic.code}`)).toEqual([
      '2:jsonl/syntax',
    ]);
  });

  it('reports a line that is JSON but not an episode, and a repeated id', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir, onDiagnostic: () => {} });
    const episode = await store.appendEpisode({ kind: 'note', text: 'kept' });
    const path = join(dir, 'episodic.jsonl');
    await appendFile(path, `{"hello":"world"}\n${JSON.stringify(episode)}\n`);
    const reported: Diagnostic[] = [];
    const reader = createFileMemory({
      dir,
      onDiagnostic: (diagnostic) => reported.push(diagnostic),
    });
    expect(await reader.readEpisodes()).toEqual([episode]);
    expect(reported.map((diagnostic) => `${diagnostic.line}:${diagnostic.code}`)).toEqual([
      '2:memory/bad-record',
      '3:memory/duplicate-id',
    ]);
  });

  it('recovers a torn last line on the next append, and reports it as a warning', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir, onDiagnostic: () => {} });
    const kept = await store.appendEpisode({ kind: 'note', text: 'acknowledged' });
    const path = join(dir, 'episodic.jsonl');
    await appendFile(path, '{"id":"epi_01J","at":"2026-');
    const reported: Diagnostic[] = [];
    const next = createFileMemory({ dir, onDiagnostic: (diagnostic) => reported.push(diagnostic) });
    // Reading leaves an incomplete last line alone: it may be an append still in progress.
    expect(await next.readEpisodes()).toEqual([kept]);
    expect(reported).toEqual([]);
    const later = await next.appendEpisode({ kind: 'note', text: 'after the crash' });
    expect(reported).toEqual([
      expect.objectContaining({
        file: path,
        line: 2,
        code: 'memory/torn-line',
        severity: 'warning',
      }),
    ]);
    expect(await next.readEpisodes()).toEqual([kept, later]);
  });

  it('warns through Node.js when no listener is given, so damage is never silent', async () => {
    const dir = join(await directories.create(), 'memory');
    await createFileMemory({ dir, onDiagnostic: () => {} }).appendEpisode({
      kind: 'note',
      text: 'x',
    });
    await appendFile(join(dir, 'episodic.jsonl'), 'not json\n');
    const warnings: Error[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on('warning', listener);
    try {
      await createFileMemory({ dir }).readEpisodes();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(warnings.map((warning) => warning.message)).toEqual([
      expect.stringMatching(
        /episodic\.jsonl:2:1: error jsonl\/syntax: skipped a line that is not JSON/,
      ),
    ]);
    expect((warnings[0] as Error & { code?: string }).code).toBe('KARNEL_MEMORY_DAMAGE');
  });
});
