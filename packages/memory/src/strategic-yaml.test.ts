import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManualClock, ValidationError } from '@karnel/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createFileMemory } from './file-memory';
import { applyStrategicUpdates, type StrategicUpdate } from './strategic-update';
import { formatStrategicYaml, updateStrategicYaml } from './strategic-yaml';
import { temporaryDirectories } from './testing/temporary-directory';

const EXAMPLE = fileURLToPath(
  new URL('../../../examples/newsletter-co/memory/strategic.yaml', import.meta.url),
);

/** A strategic.yaml a person edited: comments above, beside and below entries, blank lines. */
const COMMENTED = `# What we believe, and why. Edited by hand as well as by reviews.
hypotheses:
  # The subject line matters most: the critic's hunch.
  - id: "hyp_subject" # named by the owner
    statement: "A specific subject line lifts the open rate more than the send time does"
    evidence_for: [] # nothing yet
    evidence_against: []
    confidence: 0.6
    last_reviewed: "2026-05-10"
    # below the first hypothesis: check again after issue 10

  # Code or analysis?
  - id: "hyp_code"
    statement: "Issues with working code get more forwards than pure analysis"
    evidence_for:
      - "ledger/run_01" # the Kafka issue
    confidence: 0.5 # a coin toss for now
    last_reviewed: "2026-05-10"

# Priors: what we take as given.
priors:
  - "Readers who operate infrastructure want numbers" # from the survey
  - "Short issues are read to the end"

self_model:
  # what the critic saw
  strengths_observed: ["turning papers into practical summaries"]
  weaknesses_observed: ["headlines"] # two of three rejected
  open_questions: ["does the paid tier sell on content?"]
# end of file: the owner's note
`;

/**
 * The comments of `text` in order, each with where it stands: the indentation of a comment on
 * its own line, or the key or list entry a comment beside a value follows.
 */
function comments(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.includes('#'))
    .map((line) => {
      const at = line.indexOf('#');
      const before = line.slice(0, at);
      if (before.trim() === '') return `${before}${line.slice(at)}`;
      const anchor = before.trim().startsWith('- ') ? before.trim() : before.split(':')[0]!.trim();
      return `${anchor} … ${line.slice(at)}`;
    });
}

const UPDATES: readonly (readonly [string, readonly StrategicUpdate[]])[] = [
  [
    'evidence for',
    [
      {
        type: 'record-evidence',
        hypothesis: 'hyp_subject',
        direction: 'for',
        refs: ['ledger/run_07'],
      },
    ],
  ],
  [
    'evidence against',
    [
      {
        type: 'record-evidence',
        hypothesis: 'hyp_code',
        direction: 'against',
        refs: ['ledger/run_08'],
      },
    ],
  ],
  ['confidence', [{ type: 'set-confidence', hypothesis: 'hyp_code', confidence: 0.35 }]],
  [
    'new hypothesis',
    [
      {
        type: 'add-hypothesis',
        id: 'hyp_tuesday',
        statement: 'Tuesday sends beat Friday sends',
        confidence: 0.4,
        evidence_for: ['ledger/run_09'],
      },
    ],
  ],
  ['retired hypothesis', [{ type: 'retire-hypothesis', hypothesis: 'hyp_subject' }]],
  [
    'priors',
    [
      { type: 'add-prior', prior: 'Links to code get clicked' },
      { type: 'remove-prior', prior: 'Short issues are read to the end' },
    ],
  ],
  [
    'self-model',
    [
      {
        type: 'update-self-model',
        field: 'weaknesses_observed',
        add: ['sending late on Fridays'],
      },
      {
        type: 'update-self-model',
        field: 'open_questions',
        remove: ['does the paid tier sell on content?'],
      },
    ],
  ],
];

describe('strategic.yaml keeps what a person wrote', () => {
  const directories = temporaryDirectories();
  afterEach(() => directories.cleanup());
  const clock = createManualClock('2026-06-01T09:00:00Z');

  async function commentedMemory() {
    const dir = join(await directories.create(), 'memory');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'strategic.yaml'), COMMENTED);
    const memory = createFileMemory({ dir, clock });
    return { dir, memory, path: join(dir, 'strategic.yaml') };
  }

  for (const [kind, updates] of UPDATES) {
    it(`keeps every comment in place through an update of ${kind}`, async () => {
      const { memory, path } = await commentedMemory();
      const before = await memory.readStrategic();
      const revision = await memory.updateStrategic(updates, { reason: kind });
      const text = await readFile(path, 'utf8');
      // The file holds exactly the new state, and the history records it.
      expect(parse(text)).toEqual(revision.state);
      expect(revision.state).not.toEqual(before);
      const history = await memory.strategicHistory();
      expect(history.map((entry) => entry.origin)).toEqual(['observed', 'update']);
      expect(history[0]?.state).toEqual(before);
      expect(history[1]?.updates).toEqual(updates);
      // Every comment is still there, in the same order, at the same indentation or beside the
      // same key or entry — except one beside a sentence the update removed, which goes with it.
      const removed = updates.flatMap((update) =>
        update.type === 'remove-prior'
          ? [update.prior]
          : update.type === 'update-self-model'
            ? (update.remove ?? [])
            : [],
      );
      expect(comments(text)).toEqual(
        comments(COMMENTED).filter(
          (comment) => !removed.some((sentence) => comment.startsWith(`- "${sentence}"`)),
        ),
      );
      await memory.close();
    });
  }

  it('edits only the changed lines: blank lines, quoting and untouched entries stay as written', async () => {
    const { memory, path } = await commentedMemory();
    await memory.updateStrategic([
      {
        type: 'record-evidence',
        hypothesis: 'hyp_code',
        direction: 'for',
        refs: ['ledger/run_02'],
      },
      { type: 'set-confidence', hypothesis: 'hyp_code', confidence: 0.55 },
    ]);
    const text = await readFile(path, 'utf8');
    const original = COMMENTED.split('\n');
    const lines = text.split('\n');
    // Everything before the second hypothesis is byte for byte the same.
    const second = original.indexOf('  # Code or analysis?');
    expect(lines.slice(0, second + 1)).toEqual(original.slice(0, second + 1));
    expect(text).toContain(
      '    evidence_for:\n      - "ledger/run_01" # the Kafka issue\n      - "ledger/run_02"\n    confidence: 0.55 # a coin toss for now\n    last_reviewed: "2026-06-01"\n\n# Priors',
    );
    expect(text.endsWith("# end of file: the owner's note\n")).toBe(true);
    await memory.close();
  });

  it("appends a new hypothesis in the format's key order, quoted like its neighbours", async () => {
    const { memory, path } = await commentedMemory();
    await memory.updateStrategic([
      {
        type: 'add-hypothesis',
        id: 'hyp_tuesday',
        statement: 'Tuesday sends beat Friday sends',
        confidence: 0.4,
        evidence_against: ['ledger/run_03'],
      },
    ]);
    const text = await readFile(path, 'utf8');
    expect(text).toContain(
      '  - id: "hyp_tuesday"\n    statement: "Tuesday sends beat Friday sends"\n    evidence_against:\n      - "ledger/run_03"\n    confidence: 0.4\n    last_reviewed: "2026-06-01"\n\n# Priors',
    );
    await memory.close();
  });

  it("keeps the example group's layout (newsletter-co) through updates of every kind", async () => {
    const dir = join(await directories.create(), 'memory');
    await mkdir(dir, { recursive: true });
    const memory = createFileMemory({ dir, clock });
    const example = await readFile(EXAMPLE, 'utf8');
    await writeFile(join(dir, 'strategic.yaml'), `# newsletter-co's beliefs\n${example}`);
    const first = 'hyp_01KR62VY8070WVRDWBB7D1KB2M';
    const second = 'hyp_01KRB7NC802FRVTGG8607P23S1';
    await memory.updateStrategic([
      { type: 'record-evidence', hypothesis: second, direction: 'for', refs: ['ledger/run_04'] },
      {
        type: 'record-evidence',
        hypothesis: second,
        direction: 'against',
        refs: ['ledger/run_05'],
      },
      { type: 'set-confidence', hypothesis: second, confidence: 0.7 },
      {
        type: 'add-hypothesis',
        id: 'hyp_new',
        statement: 'Readers reply to questions',
        confidence: 0.3,
      },
      { type: 'retire-hypothesis', hypothesis: first },
      { type: 'add-prior', prior: 'Numbers beat adjectives' },
      { type: 'update-self-model', field: 'open_questions', add: ['when do readers open?'] },
    ]);
    const text = await readFile(join(dir, 'strategic.yaml'), 'utf8');
    expect(text.startsWith("# newsletter-co's beliefs\nhypotheses:\n")).toBe(true);
    // The sections keep their blank lines, the untouched lines their quoting.
    expect(text).toContain(
      '\n\npriors:\n  - "Readers who operate infrastructure want numbers: costs, latencies, failure rates"\n  - "Numbers beat adjectives"\n\nself_model:\n',
    );
    expect(text).toContain(
      `  - id: "${first}"\n    statement: "A specific subject line lifts the open rate more than the send time does"\n`,
    );
    expect(text).toContain(
      '    evidence_for: ["ledger/run_04"]\n    evidence_against: ["ledger/run_05"]\n    confidence: 0.7\n',
    );
    expect(text).toContain('  strengths_observed: ["turning papers into practical summaries"]\n');
    expect(text).toContain(
      '  open_questions: ["does the paid tier sell on content or on the signup flow?", "when do readers open?"]\n',
    );
    expect(parse(text)).toEqual(await memory.readStrategic());
    await memory.close();
  });

  it('refuses malformed strategic.yaml with file, line and column, and leaves it alone', async () => {
    const { memory, path } = await commentedMemory();
    const broken = COMMENTED.replace('confidence: 0.5 #', 'confidence: "high" #');
    await writeFile(path, broken);
    const error = await memory
      .updateStrategic([{ type: 'mark-reviewed', hypothesis: 'hyp_code' }])
      .catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).diagnostics[0]).toMatchObject({
      file: path,
      line: 17,
      column: 17,
    });
    await writeFile(path, 'hypotheses:\n  - id: "hyp_a"\n    statement: [unclosed\n');
    const syntax = await memory.readStrategic().catch((caught: unknown) => caught);
    expect((syntax as ValidationError).diagnostics[0]).toMatchObject({ file: path, line: 4 });
    expect(await readFile(path, 'utf8')).toBe(
      'hypotheses:\n  - id: "hyp_a"\n    statement: [unclosed\n',
    );
    expect(await memory.strategicHistory()).toEqual([]);
    await memory.close();
  });
});

describe('updateStrategicYaml', () => {
  it('writes the plain format for a blank file, and fills a "{}" placeholder in block style', () => {
    const state = { priors: ['a prior'] };
    expect(updateStrategicYaml('', state)).toBe(formatStrategicYaml(state));
    expect(updateStrategicYaml('# nothing yet\n{}\n', state)).toBe(
      '# nothing yet\npriors:\n  - a prior\n',
    );
  });

  it('falls back to the plain format when the edit would not reproduce the state (aliases)', () => {
    const text = 'priors:\n  - &first "a prior"\nself_model:\n  open_questions: [*first]\n';
    const state = { priors: ['a prior', 'b prior'], self_model: { open_questions: ['a prior'] } };
    const updated = updateStrategicYaml(text, state);
    expect(parse(updated)).toEqual(state);
  });
});

describe('updateStrategicYaml over many updates', () => {
  it('keeps every comment where it was and the file equal to the state, whatever updates follow one another', () => {
    const clock = createManualClock('2026-06-01T09:00:00Z');
    const sentence = fc.constantFrom(
      'numbers win',
      'Friday: quiet',
      '"quoted" words',
      "it's: fine",
    );
    const hypothesis = fc.constantFrom('hyp_subject', 'hyp_code');
    const update: fc.Arbitrary<StrategicUpdate> = fc.oneof(
      fc.record({
        type: fc.constant('record-evidence' as const),
        hypothesis,
        direction: fc.constantFrom('for' as const, 'against' as const),
        refs: fc.array(fc.constantFrom('ledger/run_10', 'ledger/run_11', 'ledger/runs/run_12'), {
          minLength: 1,
          maxLength: 2,
        }),
      }),
      fc.record({
        type: fc.constant('set-confidence' as const),
        hypothesis,
        confidence: fc.integer({ min: 0, max: 100 }).map((value) => value / 100),
      }),
      fc.record({ type: fc.constant('mark-reviewed' as const), hypothesis }),
      fc.record({ type: fc.constant('retire-hypothesis' as const), hypothesis }),
      fc.record({
        type: fc.constant('add-hypothesis' as const),
        statement: sentence,
        confidence: fc.constant(0.5),
      }),
      fc.record({ type: fc.constant('add-prior' as const), prior: sentence }),
      fc.record({
        type: fc.constant('update-self-model' as const),
        field: fc.constantFrom(
          'strengths_observed' as const,
          'weaknesses_observed' as const,
          'open_questions' as const,
        ),
        add: fc.array(sentence, { minLength: 1, maxLength: 2 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 8 }), (updates) => {
        let text = COMMENTED;
        let state = parse(COMMENTED);
        for (const [index, next] of updates.entries()) {
          clock.set(new Date(Date.parse('2026-06-01T09:00:00Z') + index * 1000).toISOString());
          state = applyStrategicUpdates(state, [next], clock).state;
          text = updateStrategicYaml(text, state);
          expect(parse(text)).toEqual(state);
        }
        expect(comments(text)).toEqual(comments(COMMENTED));
      }),
      { numRuns: 60 },
    );
  });
});
