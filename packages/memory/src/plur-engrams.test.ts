import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManualClock } from '@karnel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileMemory } from './file-memory';
import { importPlurEngrams, PLUR_ENGRAM_KIND, readPlurEngrams } from './plur-engrams';
import { temporaryDirectories } from './testing/temporary-directory';

const fixture = fileURLToPath(new URL('../test/fixtures/plur/', import.meta.url));
const clock = createManualClock('2026-06-01T00:00:00Z');

describe('plur engrams', () => {
  const directories = temporaryDirectories();
  afterEach(() => directories.cleanup());

  it('turns each valid engram into an episode, keeping the whole engram', async () => {
    const { episodes, diagnostics } = await readPlurEngrams(fixture, {
      displayPath: 'engrams.yaml',
      clock,
    });
    expect(episodes.map((episode) => episode.sources)).toEqual([
      ['plur:ENG-2026-03-14-001'],
      ['plur:ENG-2026-0302-007'],
      ['plur:ENG-PACK-EM-006'],
    ]);
    expect(episodes[0]).toMatchObject({
      at: '2026-03-14T09:30:00.000Z',
      kind: PLUR_ENGRAM_KIND,
      text: 'Subject lines that name a number get more opens than vague ones\n\nRationale: Seen across eight issues in March',
      tags: ['newsletter', 'subject-lines'],
    });
    const kept = episodes[0]!.data!.plur as Record<string, unknown>;
    expect(kept.custom_field_from_a_newer_producer).toBe('keep me');
    expect(kept.feedback_signals).toEqual({ positive: 3, negative: 0, neutral: 1 });
    // No learned_at: the first write's time, then the id's date, then the clock.
    expect(episodes[1]!.at).toBe('2026-03-02T17:00:00.000Z');
    expect(episodes[2]!.at).toBe('2026-06-01T00:00:00.000Z');
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file: 'engrams.yaml',
        line: 36,
        column: 9,
        severity: 'error',
        message: expect.stringContaining('ENG-, ABS- or META-'),
      }),
      expect.objectContaining({
        file: 'engrams.yaml',
        line: 41,
        column: 9,
        severity: 'warning',
        code: 'plur/duplicate-id',
      }),
      expect.objectContaining({
        file: 'engrams.yaml',
        line: 46,
        code: 'schema/missing-field',
        message: 'missing required field "statement"',
      }),
    ]);
  });

  it('leaves retired engrams out when asked', async () => {
    const { episodes } = await readPlurEngrams(join(fixture, 'engrams.yaml'), {
      includeRetired: false,
      clock,
    });
    expect(episodes.map((episode) => episode.sources![0])).toEqual([
      'plur:ENG-2026-03-14-001',
      'plur:ENG-PACK-EM-006',
    ]);
  });

  it('imports into episodic memory, and importing again adds nothing', async () => {
    const store = createFileMemory({ dir: join(await directories.create(), 'memory') });
    expect(await importPlurEngrams(store, fixture, { clock })).toMatchObject({
      added: 3,
      skipped: 0,
    });
    expect(await importPlurEngrams(store, fixture, { clock })).toMatchObject({
      added: 0,
      skipped: 3,
    });
    const found = await store.readEpisodes({
      kinds: [PLUR_ENGRAM_KIND],
      text: 'subject lines opens',
    });
    expect(found.map((episode) => episode.sources)).toEqual([['plur:ENG-2026-03-14-001']]);
  });

  it('reports a file that is not an engram store', async () => {
    const { episodes, diagnostics } = await readPlurEngrams(join(fixture, 'missing.yaml'));
    expect(episodes).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'file/missing' })]);
  });
});
