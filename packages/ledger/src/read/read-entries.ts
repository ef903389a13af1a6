import { join } from 'node:path';
import type { LedgerIntegrityError } from '../errors';
import type { LedgerEntry } from '../format/entry';
import { CHAIN_FILE, listArchiveSegments, resolveLedgerPath } from '../format/layout';
import type { EntriesOptions } from '../ledger';
import { acceptChainLine, lineIntegrityError } from './accept-line';
import { readChainLines } from './chain-reader';
import { ChainState } from './chain-state';

/** Entries handed out per read of the chain: reading stops there until they are consumed. */
const BATCH = 1024;

/**
 * Streams the entries of the ledger in `dir` in chain order (archive segments first, when
 * present), reading the chain file in large chunks. Stops silently at a torn last line (never
 * acknowledged).
 *
 * @throws {LedgerIntegrityError} at the first entry whose hash or link is wrong.
 */
export async function* readLedgerEntries(
  dir: string,
  options: EntriesOptions = {},
): AsyncGenerator<LedgerEntry> {
  const { fromSeq = 0, type } = options;
  const chainPath = join(dir, CHAIN_FILE);
  const state = new ChainState({ merkle: false });
  const matches = (entryType: string) =>
    !type || entryType === type || entryType.startsWith(`${type}.`);
  const segments = await listArchiveSegments(dir);
  let overlap = segments.length > 0;
  for (const file of [...segments.map((segment) => resolveLedgerPath(dir, segment)), chainPath]) {
    const live = file === chainPath;
    let position = 0;
    let lineNumber = 0;
    for (;;) {
      const buffered: LedgerEntry[] = [];
      let failure: LedgerIntegrityError | undefined;
      let full = false;
      const tail = await readChainLines(
        file,
        (line) => {
          const outcome = acceptChainLine(state, line.bytes, { overlap: live && overlap });
          if (outcome.status === 'repeated') return true;
          if (live) overlap = false;
          if (outcome.status === 'refused') {
            failure = lineIntegrityError(dir, file, line.line, outcome.problem);
            return false;
          }
          if (outcome.entry.seq >= fromSeq && matches(outcome.entry.type))
            buffered.push(outcome.entry);
          if (buffered.length >= BATCH) {
            full = true;
            return false;
          }
          return true;
        },
        { start: position, startLine: lineNumber },
      );
      position = tail.end;
      lineNumber = tail.lines;
      yield* buffered;
      if (failure) throw failure;
      if (!full) break;
    }
  }
}
