import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeEntry, GENESIS_PREV, type LedgerEntry } from '../format/entry';
import { ChainState } from './chain-state';

/** Five real entries, each committing a chunk of one append-only file. */
function chain(): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 0; seq < 5; seq++) {
    const { entry } = encodeEntry({
      seq,
      prev,
      time: '2026-05-03T00:00:00.000Z',
      type: 'run.step',
      body: { index: seq },
      files: [
        {
          path: 'runs/run_a/steps.jsonl',
          offset: 10 * seq,
          size: 10,
          sha256: hash('sha256', `step ${seq}`, 'hex'),
          append: true,
        },
      ],
    });
    entries.push(entry);
    prev = entry.hash;
  }
  return entries;
}

describe('ChainState.acceptChecked (entries verification has already checked)', () => {
  it('records the same head, leaves, root and files as accept', () => {
    const entries = chain();
    const accepted = new ChainState({ records: false });
    const checked = new ChainState({ records: false });
    for (const entry of entries) {
      expect(accepted.accept(entry)).toBeUndefined();
      const [file] = entry.files;
      checked.commitChunk(file!.path, file!.offset, file!.size, true, entry.seq);
      checked.acceptChecked(Buffer.from(entry.hash, 'hex'), 1);
      // The head is spelled out from the leaves when asked for.
      expect(checked.head).toBe(entry.hash);
    }
    expect(checked.next).toBe(5);
    for (let seq = 0; seq < 5; seq++) expect(checked.leafHex(seq)).toBe(entries[seq]!.hash);
    expect(Buffer.from(checked.rootAt(5)!)).toEqual(Buffer.from(accepted.rootAt(5)!));
    expect(Buffer.from(checked.rootAt(3)!)).toEqual(Buffer.from(accepted.rootAt(3)!));
    expect([...checked.files]).toEqual([...accepted.files]);
    // A clone made after acceptChecked carries the head on.
    expect(checked.clone().head).toBe(entries[4]!.hash);
  });

  it('commitChunk returns what uncommitChunk needs to take the chunk back', () => {
    const state = new ChainState({ records: false });
    expect(state.commitChunk('coordination_log.jsonl', 0, 40, true, 0)).toBe(-1);
    expect(state.commitChunk('coordination_log.jsonl', 40, 30, true, 1)).toBe(40);
    expect(state.commitChunk('runs/run_a/manifest.json', 0, 12, false, 1)).toBe(-1);
    state.uncommitChunk('runs/run_a/manifest.json', -1);
    state.uncommitChunk('coordination_log.jsonl', 40);
    expect([...state.files]).toEqual([
      ['coordination_log.jsonl', { end: 40, append: true, firstSeq: 0 }],
    ]);
    state.uncommitChunk('coordination_log.jsonl', -1);
    expect(state.files.size).toBe(0);
  });
});
