import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJsonLines } from '@karnel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { episodeSchema } from './episode';
import { createFileMemory } from './file-memory';
import { temporaryDirectories } from './testing/temporary-directory';

describe('createFileMemory', () => {
  const directories = temporaryDirectories();
  afterEach(() => directories.cleanup());

  it('writes the Karnel layout: one valid episode per line of episodic.jsonl', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir });
    await store.appendEpisodes([
      { kind: 'run.completed', text: 'first', sources: ['ledger/runs/run_01'] },
      { kind: 'note', text: 'second' },
    ]);
    const { records, diagnostics, tornTail } = parseJsonLines(
      await readFile(join(dir, 'episodic.jsonl'), 'utf8'),
      'episodic.jsonl',
    );
    expect(diagnostics).toEqual([]);
    expect(tornTail).toBe(false);
    expect(records.map((record) => episodeSchema.parse(record.value).text)).toEqual([
      'first',
      'second',
    ]);
  });

  it('cuts off a torn last line before appending, so the next episode is not glued to it', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir });
    const kept = await store.appendEpisode({ kind: 'note', text: 'acknowledged' });
    await appendFile(
      join(dir, 'episodic.jsonl'),
      '{"id":"epi_01HZX3K0V8Q5T2N7R4M6W9YB1C","at":"2026-',
    );
    const reader = createFileMemory({ dir });
    expect(await reader.readEpisodes()).toEqual([kept]);
    const next = await store.appendEpisode({ kind: 'note', text: 'after the crash' });
    expect(await reader.readEpisodes()).toEqual([kept, next]);
    const lines = (await readFile(join(dir, 'episodic.jsonl'), 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
  });

  it('skips a damaged line when reading, keeping the rest', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir });
    const first = await store.appendEpisode({ kind: 'note', text: 'first' });
    await appendFile(join(dir, 'episodic.jsonl'), 'not json\n{"id":"epi_x"}\n');
    const last = await store.appendEpisode({ kind: 'note', text: 'last' });
    expect(await createFileMemory({ dir }).readEpisodes()).toEqual([first, last]);
  });

  it('keeps every version of a semantic item in items.jsonl and serves the latest', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = createFileMemory({ dir });
    const [item] = await store.upsertSemantic([{ text: 'version one' }]);
    await store.upsertSemantic([{ id: item!.id, text: 'version two' }]);
    const lines = (await readFile(join(dir, 'semantic', 'items.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).text)).toEqual(['version one', 'version two']);
    expect((await createFileMemory({ dir }).listSemantic()).map((entry) => entry.text)).toEqual([
      'version two',
    ]);
  });

  it('reads strategic.yaml written by hand in the format of the Karnel spec', async () => {
    const dir = join(await directories.create(), 'memory');
    await createFileMemory({ dir }).appendEpisode({ kind: 'note', text: 'creates the folder' });
    await writeFile(
      join(dir, 'strategic.yaml'),
      [
        'hypotheses:',
        '  - id: "hyp_01"',
        '    statement: "Subject line specificity drives open rate more than send time"',
        '    evidence_for: ["ledger/run_03", "ledger/run_07"]',
        '    evidence_against: ["ledger/run_05"]',
        '    confidence: 0.65',
        '    last_reviewed: "2026-04-28"',
        'priors:',
        '  - "Topics with concrete code outperform pure analysis 1.4x on engagement"',
        'self_model:',
        '  strengths_observed: ["technical synthesis", "hypothesis generation"]',
        '  weaknesses_observed: ["headline writing"]',
        '  open_questions: ["is paid conversion gated by content or signup friction?"]',
        '',
      ].join('\n'),
    );
    const strategic = await createFileMemory({ dir }).readStrategic();
    expect(strategic.hypotheses?.[0]).toMatchObject({
      id: 'hyp_01',
      confidence: 0.65,
      evidence_against: ['ledger/run_05'],
    });
    expect(strategic.self_model?.open_questions).toHaveLength(1);
  });
});
