import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerIntegrityError } from '../errors';
import { decodeEntryLine, type LedgerEntry } from '../format/entry';
import { ARCHIVE_DIR, CHAIN_FILE, listArchiveSegments, resolveLedgerPath } from '../format/layout';
import type { EntriesOptions } from '../ledger';
import { acceptChainLine, lineIntegrityError } from './accept-line';
import { readChainLines } from './chain-reader';
import { ChainState } from './chain-state';

/** Entries handed out per read of the chain: reading stops there until they are consumed. */
const BATCH = 1024;

/** Where an earlier complete read of a live chain file ended, and the chain state there. */
interface ReadEnd {
  readonly dev: number;
  readonly ino: number;
  readonly position: number;
  readonly lineNumber: number;
  readonly state: ChainState;
  /** The seq of the live file's first entry. */
  readonly firstSeq: number;
  /** The byte offset of each entry's line, by `seq - firstSeq`; only ever appended to. */
  readonly offsets: number[];
}

/**
 * The end of the last complete read of each chain file in this process, with the offset of
 * every line. The chain is append-only and every line was checked when it was read, so a later
 * read takes that state over (no other read can use it meanwhile; one that starts then reads
 * from the first line) and goes on from there instead of decoding and checking the whole chain
 * again, then puts it back at its new end. Taking it over instead of copying it keeps a read
 * of a few new entries as cheap as those entries: a copy would cost the whole chain's leaf
 * hashes every time; entries it wants from before that end are read back from their offsets (their
 * hashes checked again, their links already were). A chain file replaced (archiving writes a
 * new one) or shorter than the recorded end is read from the start. `verifyLedger` never uses
 * this: it always reads everything.
 */
const readEnds = new Map<string, ReadEnd>();

/** Takes over the end of the last complete read of `chainPath`, when a read from `fromSeq` can go on from it. */
async function resumePoint(chainPath: string, fromSeq: number): Promise<ReadEnd | undefined> {
  const known = readEnds.get(chainPath);
  if (!known || fromSeq < known.firstSeq) return undefined;
  readEnds.delete(chainPath);
  // Synchronous, as the writer's calls: a stat is microseconds, a thread-pool round trip more.
  const info = statOrUndefined(chainPath);
  if (!info || info.ino !== known.ino || info.dev !== known.dev || info.size < known.position) {
    return undefined;
  }
  return known;
}

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
  const matches = (entryType: string) =>
    !type || entryType === type || entryType.startsWith(`${type}.`);
  // Most ledgers were never archived: one stat of the folder says so, without listing it.
  const segments = statSync(join(dir, ARCHIVE_DIR), { throwIfNoEntry: false })
    ? await listArchiveSegments(dir)
    : [];
  const resume = segments.length === 0 ? await resumePoint(chainPath, fromSeq) : undefined;
  // The state taken over is only put back (by `rememberEnd`) once the whole chain was read
  // and accepted: a read that fails or stops early leaves it out, and the next starts over.
  const state = resume ? resume.state : new ChainState({ merkle: false });
  const offsets = resume ? resume.offsets : [];
  let firstSeq = resume ? resume.firstSeq : -1;
  if (resume && fromSeq < resume.state.next) {
    // Entries already read once: decoded again from their offsets, up to where that read ended.
    const before: LedgerEntry[] = [];
    let failure: LedgerIntegrityError | undefined;
    const at = fromSeq - resume.firstSeq;
    await readChainLines(
      chainPath,
      (line) => {
        if (line.offset >= resume.position) return false;
        const decoded = decodeEntryLine(line.bytes);
        if (!decoded.ok) {
          failure = lineIntegrityError(dir, chainPath, line.line, decoded.problem);
          return false;
        }
        if (matches(decoded.entry.type)) before.push(decoded.entry);
        return true;
      },
      { start: resume.offsets[at]!, startLine: at },
    );
    if (failure) throw failure;
    yield* before;
  }
  let overlap = segments.length > 0;
  for (const file of [...segments.map((segment) => resolveLedgerPath(dir, segment)), chainPath]) {
    const live = file === chainPath;
    let position = live && resume ? resume.position : 0;
    let lineNumber = live && resume ? resume.lineNumber : 0;
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
          if (live) {
            if (firstSeq < 0) firstSeq = outcome.entry.seq;
            offsets[outcome.entry.seq - firstSeq] = line.offset;
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
      if (!full) {
        if (live && segments.length === 0 && firstSeq >= 0)
          await rememberEnd(chainPath, { position, lineNumber, state, firstSeq, offsets });
        break;
      }
    }
  }
}

function statOrUndefined(path: string): import('node:fs').Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

async function rememberEnd(chainPath: string, end: Omit<ReadEnd, 'dev' | 'ino'>): Promise<void> {
  const info = statOrUndefined(chainPath);
  if (!info || info.size < end.position) return;
  const known = readEnds.get(chainPath);
  // Keep the furthest read: a slower reader finishing later must not move the end back.
  if (known && known.ino === info.ino && known.position > end.position) return;
  readEnds.set(chainPath, { ...end, dev: info.dev, ino: info.ino });
}
