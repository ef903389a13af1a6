import { hash as oneShotHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic } from '@karnel/core';
import { borrowBuffer, returnBuffer } from '../read/buffer-pool';
import { type ChainLine, readChainLines } from '../read/chain-reader';
import { ChainState } from '../read/chain-state';
import { type Checkpoint, normalizeIdentity, verifyCheckpointSignatures } from '../transparency/checkpoint';
import { DataFileReader } from '../read/data-file-reader';
import { decodeEntryLine, type FileDigest, type LedgerEntry, verifyEntrySignature } from '../format/entry';
import { ARCHIVE_DIR, CHAIN_FILE, listArchiveSegments, resolveLedgerPath } from '../format/layout';
import { parseSnapshotBody, SNAPSHOT_TYPE, type SnapshotBody } from '../format/snapshot';
import { isPlausibleTornTail } from '../format/torn-tail';
import { createOrdinaryEntryPass } from './ordinary-entries';

/** Options of {@link verifyLedger}. */
export interface VerifyOptions {
  /**
   * A checkpoint kept outside the ledger. The ledger must still contain its `size` entries with
   * the same Merkle root: this is what detects truncation and rewritten history, which a hash
   * chain alone cannot.
   */
  readonly checkpoint?: Checkpoint;
  /**
   * Identities (`did:key:…` or `ed25519:…`) whose signatures count. When given, every signed
   * entry must be signed by one of them, and the checkpoint must carry one of their signatures.
   */
  readonly trustedKeys?: readonly string[];
  /** Report unsigned entries as errors. Default `false`. */
  readonly requireSignatures?: boolean;
  /** Check the data files' digests. Default `true`; `false` checks only the chain. */
  readonly files?: boolean;
  /**
   * Compute the Merkle root of the verified entries into {@link VerifyReport.root} (one more
   * hash per entry). Default `false`; always done up to the checkpoint's size when one is given.
   */
  readonly root?: boolean;
  /**
   * Parse every entry completely with `JSON.parse`. By default the fields after the body are read
   * from their canonical layout and the body is only checked to be one balanced JSON object,
   * which is several times faster and enough for integrity (every byte is hashed either way);
   * `true` also rejects a body with invalid JSON inside, which only a writer that recomputed the
   * hashes could have produced. Default `false`.
   */
  readonly parse?: boolean;
  /**
   * @deprecated The compiled accelerator was retired; verification is portable TypeScript
   * and this option has no effect.
   */
  readonly accelerate?: boolean;
}

/** The first entry that failed verification. */
export interface FirstBadEntry {
  /** The entry's position in the chain (the seq that should be at the bad line). */
  readonly seq: number;
  /** What is wrong, in one sentence. */
  readonly reason: string;
  /** The diagnostic code. */
  readonly code: string;
  /** 1-based line of the chain file where the problem was found. */
  readonly line: number;
}

/** The result of verifying a ledger. */
export interface VerifyReport {
  /** Whether the ledger is intact: no error diagnostics. */
  readonly ok: boolean;
  /** Number of entries verified (those before the first break in the chain). */
  readonly entries: number;
  /** Merkle tree hash over the verified entries, hex; present when `root` was asked for. */
  readonly root?: string;
  /** Hash of the last verified entry (64 zeros when empty). */
  readonly head: string;
  /** Number of entries carrying a valid signature. */
  readonly signed: number;
  /** Bytes of chain and data files hashed. */
  readonly bytes: number;
  /** Every problem found, errors first in chain order; warnings for crash leftovers. */
  readonly diagnostics: Diagnostic[];
  /** The first bad entry, when there is one. */
  readonly firstBad?: FirstBadEntry;
}

/**
 * Verifies a ledger folder without writing anything: recomputes every entry hash and link, the
 * digests of every data file chunk, every signature, and, with a checkpoint, the Merkle root.
 * Reports the first bad entry precisely (file, line, column, code). A missing or empty folder
 * is a valid, empty ledger. Never throws for what it finds in the folder.
 */
export async function verifyLedger(
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  return verifyLedgerWith(dir, options, { ordinaryLines: true });
}

/** How {@link verifyLedgerWith} reads the chain. */
export interface VerifyStrategy {
  /**
   * Take ordinary lines through the byte scanner of `ordinary-entries.ts` (what
   * {@link verifyLedger} does); `false` sends every line through the full decoder. The report
   * is the same either way: tests compare the two.
   */
  readonly ordinaryLines: boolean;
}

/** {@link verifyLedger} with a choice of strategy (for tests that compare the two paths). */
export async function verifyLedgerWith(
  dir: string,
  options: VerifyOptions,
  strategy: VerifyStrategy,
): Promise<VerifyReport> {
  const reader = new DataFileReader(dir);
  try {
    return await verifyWith(dir, options, reader, strategy);
  } finally {
    await reader.close();
  }
}

async function verifyWith(
  dir: string,
  options: VerifyOptions,
  reader: DataFileReader,
  strategy: VerifyStrategy,
): Promise<VerifyReport> {
  const {
    checkpoint,
    trustedKeys,
    requireSignatures = false,
    files: checkFiles = true,
    root: computeRoot = false,
    parse = false,
  } = options;
  const chainFile = join(dir, CHAIN_FILE);
  // Verification needs neither the record index nor a running Merkle frontier: roots are
  // computed after the pass, only when asked for.
  const segments = await listArchiveSegments(dir);
  // Room for every entry's hash up front (lines are at least 100 bytes; up to 2 million
  // entries, beyond which the state grows it): growing would copy it over and over.
  const leaves = borrowBuffer(
    32 * Math.min(2_000_000, Math.ceil(chainBytes(dir, segments) / 100) + 1),
  );
  const state = new ChainState({ records: false, merkle: false, leaves });
  const diagnostics: Diagnostic[] = [];
  const trusted = trustedKeys ? new Set(trustedKeys.map(normalizeIdentity)) : undefined;
  let bytes = 0;
  let signed = 0;
  let firstBad: FirstBadEntry | undefined;
  let chainBroken = false;

  const report = (seq: number, line: number, diagnostic: Diagnostic) => {
    diagnostics.push(diagnostic);
    if (diagnostic.severity === 'error' && (!firstBad || seq < firstBad.seq)) {
      firstBad = { seq, reason: diagnostic.message, code: diagnostic.code, line };
    }
  };

  /** Checks one committed chunk, reading what it needs, and reports what is wrong with it. */
  const checkChunk = async (entry: LedgerEntry, line: number, file: FileDigest) => {
    const location = join(dir, ...file.path.split('/'));
    const size = await reader.size(file.path);
    if (size === null) {
      report(
        entry.seq,
        line,
        createDiagnostic({
          file: location,
          code: 'ledger/file-missing',
          message: `${file.path}, written by entry ${entry.seq}, is missing`,
        }),
      );
      return;
    }
    const end = file.offset + file.size;
    if (size < end || (file.append !== true && size !== end)) {
      report(
        entry.seq,
        line,
        createDiagnostic({
          file: location,
          ...(await reader.positionOf(file.path, Math.min(file.offset, size))),
          code: 'ledger/file-mismatch',
          message: `${file.path} is ${size} bytes, but entry ${entry.seq} committed ${file.append ? `bytes up to ${end}` : `${file.size} bytes`}`,
        }),
      );
      return;
    }
    bytes += file.size;
    const window = await reader.window(file.path, file.offset, end);
    const content = window?.buffer.subarray(file.offset - window.base, end - window.base);
    if (!content || oneShotHash('sha256', content, 'hex') !== file.sha256) {
      report(
        entry.seq,
        line,
        createDiagnostic({
          file: location,
          ...(await reader.positionOf(file.path, file.offset)),
          code: 'ledger/file-mismatch',
          message: `${file.path} bytes ${file.offset}..${end} do not match the digest entry ${entry.seq} committed (the file was modified)`,
        }),
      );
    }
  };

  /** Whether a chunk is intact, judged from bytes already read; `false` also when they are not. */
  const chunkIntact = (file: FileDigest): boolean => {
    const size = reader.knownSize(file.path);
    const end = file.offset + file.size;
    if (typeof size !== 'number' || size < end || (file.append !== true && size !== end)) {
      return false;
    }
    const content = reader.cached(file.path, file.offset, end);
    if (!content || oneShotHash('sha256', content, 'hex') !== file.sha256) return false;
    bytes += file.size;
    return true;
  };

  /** Checks an entry's files; synchronous while their bytes are at hand, else a promise. */
  const checkFiles_ = (entry: LedgerEntry, line: number): Promise<boolean> | boolean => {
    for (let index = 0; index < entry.files.length; index++) {
      if (chunkIntact(entry.files[index]!)) continue;
      return (async () => {
        for (const rest of entry.files.slice(index)) await checkChunk(entry, line, rest);
        return true;
      })();
    }
    return true;
  };

  /** Checks that a snapshot's file digests match the files' committed prefixes. */
  const checkSnapshotFiles = async (
    entry: LedgerEntry,
    line: number,
    file: string,
    snapshot: SnapshotBody,
  ) => {
    for (const claimed of snapshot.files) {
      const size = await reader.size(claimed.path);
      if (size !== null && size >= claimed.size) {
        bytes += claimed.size;
        if ((await reader.hashRange(claimed.path, 0, claimed.size)) === claimed.sha256) continue;
      }
      report(
        entry.seq,
        line,
        createDiagnostic({
          file: size !== null ? join(dir, ...claimed.path.split('/')) : file,
          code: size !== null ? 'ledger/file-mismatch' : 'ledger/file-missing',
          message:
            size !== null
              ? `${claimed.path} does not have the ${claimed.size} bytes snapshot entry ${entry.seq} recorded`
              : `${claimed.path}, recorded by snapshot entry ${entry.seq}, is missing`,
        }),
      );
    }
    if (checkFiles && entry.files.length > 0) await checkFiles_(entry, line);
    return true;
  };

  let overlap = false;
  // One options object for every line: only the expected prev changes.
  const decodeOptions: { parse: boolean; expectedPrev?: string } = { parse };
  const onLine = (file: string, live: boolean) => (chainLine: ChainLine) => {
    bytes += chainLine.bytes.length + 1;
    decodeOptions.expectedPrev = state.head;
    const decoded = decodeEntryLine(chainLine.bytes, decodeOptions);
    if (!decoded.ok) {
      // The first line of a chain whose earlier entries were archived away has no predecessor
      // to say which entry it should be: take the number it claims.
      const seq = state.next === 0 ? (claimedSeq(chainLine.bytes) ?? 0) : state.next;
      report(
        seq,
        chainLine.line,
        createDiagnostic({
          file,
          line: chainLine.line,
          column: decoded.problem.column,
          code: decoded.problem.code,
          message: `entry ${seq}: ${decoded.problem.message}`,
        }),
      );
      chainBroken = true;
      return false;
    }
    const entry = decoded.entry;
    if (live && overlap) {
      // Entries an interrupted archiving already copied to the archive: read them once.
      if (state.leafHex(entry.seq) === entry.hash) return true;
      overlap = false;
    }
    const snapshot = entry.type === SNAPSHOT_TYPE ? parseSnapshotBody(entry.body) : undefined;
    const problem = state.accept(entry);
    if (problem) {
      report(
        state.next,
        chainLine.line,
        createDiagnostic({
          file,
          line: chainLine.line,
          code: problem.code,
          message: problem.message,
        }),
      );
      chainBroken = true;
      return false;
    }
    if (entry.signer) {
      if (!entry.signature || !verifyEntrySignature(entry)) {
        report(
          entry.seq,
          chainLine.line,
          createDiagnostic({
            file,
            line: chainLine.line,
            code: 'ledger/bad-signature',
            message: `entry ${entry.seq} names signer ${entry.signer} but ${entry.signature ? 'its signature does not verify' : 'carries no signature'}`,
          }),
        );
      } else if (trusted && !trusted.has(normalizeIdentity(entry.signer))) {
        report(
          entry.seq,
          chainLine.line,
          createDiagnostic({
            file,
            line: chainLine.line,
            code: 'ledger/untrusted-signer',
            message: `entry ${entry.seq} is signed by ${entry.signer}, which is not a trusted key`,
          }),
        );
      } else {
        signed++;
      }
    } else if (requireSignatures) {
      report(
        entry.seq,
        chainLine.line,
        createDiagnostic({
          file,
          line: chainLine.line,
          code: 'ledger/unsigned-entry',
          message: `entry ${entry.seq} is not signed`,
        }),
      );
    }
    if (snapshot !== undefined) {
      if (!entry.signer) {
        report(
          entry.seq,
          chainLine.line,
          createDiagnostic({
            file,
            line: chainLine.line,
            code: 'ledger/unsigned-snapshot',
            message: `snapshot entry ${entry.seq} is not signed; archived entries may only be vouched for by a signed snapshot`,
          }),
        );
      }
      if (checkFiles && typeof snapshot !== 'string') {
        return checkSnapshotFiles(entry, chainLine.line, file, snapshot);
      }
    }
    if (checkFiles && entry.files.length > 0) return checkFiles_(entry, chainLine.line);
    return true;
  };

  let readingLive = false;
  // Signed entries, snapshots and strict parsing need the full decoder; so does a report of
  // unsigned entries. Everything else takes the byte scanner first.
  const ordinaryPass =
    strategy.ordinaryLines && !parse && !requireSignatures
      ? createOrdinaryEntryPass({
          state,
          reader,
          checkFiles,
          addBytes: (count) => {
            bytes += count;
          },
          // Lines an interrupted archiving left in both places are for the full decoder.
          enabled: () => !(readingLive && overlap),
        })
      : undefined;
  for (const segment of segments) {
    const file = resolveLedgerPath(dir, segment);
    const segmentTail = await readChainLines(file, onLine(file, false), {
      onBlock: ordinaryPass,
      reuseBuffer: true,
    });
    if (chainBroken) break;
    if (segmentTail.rest.length > 0) {
      report(
        state.next,
        segmentTail.lines + 1,
        createDiagnostic({
          file,
          line: segmentTail.lines + 1,
          code: 'ledger/malformed-entry',
          message: `entry ${state.next}: the archive segment ends with a partial line`,
        }),
      );
      chainBroken = true;
      break;
    }
  }
  overlap = segments.length > 0;
  readingLive = true;
  const tail = chainBroken
    ? { end: 0, lines: 0, rest: Buffer.alloc(0) }
    : await readChainLines(chainFile, onLine(chainFile, true), {
        onBlock: ordinaryPass,
        reuseBuffer: true,
      });

  if (!chainBroken && tail.rest.length > 0) {
    if (isPlausibleTornTail(tail.rest)) {
      diagnostics.push(
        createDiagnostic({
          file: chainFile,
          line: tail.lines + 1,
          code: 'ledger/torn-tail',
          severity: 'warning',
          message: `the last ${tail.rest.length} bytes are an incomplete entry (an append was cut short by a crash); it was never acknowledged and is ignored`,
        }),
      );
    } else {
      report(
        state.next,
        tail.lines + 1,
        createDiagnostic({
          file: chainFile,
          line: tail.lines + 1,
          code: 'ledger/malformed-entry',
          message: `entry ${state.next}: the file ends with bytes that are not a complete or partial entry (the end of the chain was modified)`,
        }),
      );
    }
  }

  let root: string | undefined;
  let checkpointRoot: string | undefined;
  if (computeRoot) {
    const computed = state.rootAt(state.next);
    if (computed) root = hexOf(computed);
  }
  if (checkpoint && checkpoint.size <= state.next) {
    const computed = state.rootAt(checkpoint.size);
    if (computed) checkpointRoot = hexOf(computed);
  }
  if (checkpoint) {
    verifyAgainstCheckpoint(
      checkpoint,
      checkpointRoot,
      state,
      chainFile,
      tail.lines,
      trustedKeys,
      report,
    );
  }

  if (checkFiles && !chainBroken) await reportUncommitted(dir, state, reader, diagnostics);
  // Nothing refers to the leaves any more.
  returnBuffer(leaves);

  return {
    ok: !diagnostics.some((diagnostic) => diagnostic.severity === 'error'),
    entries: state.next,
    ...(root ? { root } : {}),
    head: state.head,
    signed,
    bytes,
    diagnostics,
    ...(firstBad ? { firstBad } : {}),
  };
}

/** Bytes in the chain file and its archive segments. */
function chainBytes(dir: string, segments: readonly string[]): number {
  let total = 0;
  for (const path of [...segments, CHAIN_FILE]) {
    try {
      total += statSync(resolveLedgerPath(dir, path)).size;
    } catch {
      // A missing file holds no entries; verification reports what matters about it.
    }
  }
  return total;
}

/** The seq a damaged line claims, if it still parses far enough to say. */
function claimedSeq(line: Buffer): number | undefined {
  try {
    const seq = (JSON.parse(line.toString('utf8')) as { entry?: { seq?: unknown } }).entry?.seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
  } catch {
    return undefined;
  }
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function verifyAgainstCheckpoint(
  checkpoint: Checkpoint,
  root: string | undefined,
  state: ChainState,
  chainFile: string,
  lines: number,
  trustedKeys: readonly string[] | undefined,
  report: (seq: number, line: number, diagnostic: Diagnostic) => void,
): void {
  const signatures = verifyCheckpointSignatures(checkpoint, trustedKeys ? { trustedKeys } : {});
  if (!signatures.ok) {
    report(
      Math.max(0, checkpoint.size - 1),
      1,
      createDiagnostic({
        file: chainFile,
        code: 'ledger/checkpoint-signature',
        message: trustedKeys
          ? 'the checkpoint carries no valid signature from a trusted key'
          : 'the checkpoint carries no valid signature',
      }),
    );
    return;
  }
  if (state.next < checkpoint.size) {
    report(
      state.next,
      lines + 1,
      createDiagnostic({
        file: chainFile,
        line: lines + 1,
        code: 'ledger/truncated',
        message: `the ledger has ${state.next} entries, but a checkpoint signed by ${signatures.trustedSigners[0]} covers ${checkpoint.size}: entries from ${state.next} on were removed`,
      }),
    );
    return;
  }
  if (root === undefined) {
    // The checkpoint covers fewer entries than were archived away: only the archive can tell.
    report(
      checkpoint.size,
      1,
      createDiagnostic({
        file: chainFile,
        code: 'ledger/checkpoint-archived',
        severity: 'warning',
        message: `the checkpoint covers ${checkpoint.size} entries, which were archived before entry ${state.base}; put the archive/ segments back to check it`,
      }),
    );
    return;
  }
  if (root !== checkpoint.root) {
    report(
      Math.max(0, checkpoint.size - 1),
      Math.min(lines, checkpoint.size),
      createDiagnostic({
        file: chainFile,
        line: Math.max(1, Math.min(lines, checkpoint.size)),
        code: 'ledger/checkpoint-mismatch',
        message: `the first ${checkpoint.size} entries do not have the Merkle root the checkpoint signed (history was rewritten)`,
      }),
    );
  }
}

async function reportUncommitted(
  dir: string,
  state: ChainState,
  reader: DataFileReader,
  diagnostics: Diagnostic[],
): Promise<void> {
  for (const [path, file] of state.files) {
    if (!file.append) continue;
    const size = await reader.size(path);
    if (size !== null && size > file.end) {
      const position = await reader.positionOf(path, file.end);
      diagnostics.push(
        createDiagnostic({
          file: join(dir, ...path.split('/')),
          ...position,
          code: 'ledger/uncommitted-data',
          severity: 'warning',
          message: `${path} has ${size - file.end} bytes after what the chain committed (an append cut short by a crash, or added by hand); they are not part of the ledger`,
        }),
      );
    }
  }
  for (const path of listDataFiles(dir)) {
    if (state.files.has(path)) continue;
    diagnostics.push(
      createDiagnostic({
        file: join(dir, ...path.split('/')),
        code: 'ledger/uncommitted-file',
        severity: 'warning',
        message: `${path} is not committed by any entry (written by an append cut short by a crash, or added by hand); it is not part of the ledger`,
      }),
    );
  }
}

/** Every data file under the ledger folder (ledger-relative paths), skipping chain, archive and hidden files. */
function listDataFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    let names: import('node:fs').Dirent[];
    try {
      names = readdirSync(relative ? join(dir, relative) : dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const item of names) {
      if (item.name.startsWith('.')) continue;
      const path = relative ? `${relative}/${item.name}` : item.name;
      if (
        !relative &&
        (item.name === CHAIN_FILE || item.name === ARCHIVE_DIR || item.name === 'checkpoints')
      )
        continue;
      if (item.isDirectory()) walk(path);
      else found.push(path);
    }
  };
  walk('');
  return found.sort();
}

/**
 * @deprecated The compiled verification accelerator was retired: verification runs in
 * portable TypeScript everywhere, so this always returns `false`.
 */
export function isVerifyAcceleratorAvailable(): boolean {
  return false;
}
