import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic } from '@karnel/core';
import type { LedgerDiagnosticCode } from '../diagnostic-codes';
import { GENESIS_PREV } from '../format/entry';
import { CHAIN_FILE, listArchiveSegments, resolveLedgerPath } from '../format/layout';
import { isPlausibleTornTail } from '../format/torn-tail';
import { borrowBuffer, returnBuffer } from '../read/buffer-pool';
import { readChainLines } from '../read/chain-reader';
import { ChainState } from '../read/chain-state';
import { DataFileReader } from '../read/data-file-reader';
import { type Checkpoint, normalizeIdentity } from '../transparency/checkpoint';
import { ChainPass } from './chain-pass';
import { verifyAgainstCheckpoint } from './checkpoint-check';
import { FileChecks } from './file-checks';
import { Findings } from './findings';
import { createOrdinaryEntryPass } from './ordinary-entries';
import { reportUncommitted } from './uncommitted-data';

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
  readonly code: LedgerDiagnosticCode;
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
 * Reports the first bad entry precisely (file, line, column, code). An empty folder is a valid,
 * empty ledger; a missing path, a file, or a folder this process cannot read gives a failed
 * report (`ledger/not-found`, `ledger/not-a-directory`, `ledger/unreadable`), never an intact
 * empty one. Never throws for what it finds in the folder.
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
  const missing = checkLedgerFolder(dir);
  if (missing) return unverifiedReport(missing);
  const reader = new DataFileReader(dir);
  try {
    return await verifyWith(dir, options, reader, strategy);
  } catch (error) {
    // A chain file, archive or data file this process may not read: an error report, not a throw.
    const { code, path } = error as NodeJS.ErrnoException;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    return unverifiedReport(
      createDiagnostic({
        file: path ?? dir,
        code: 'ledger/unreadable',
        message: `cannot read ${path ?? dir} (${code}): the ledger was not verified`,
      }),
    );
  } finally {
    await reader.close();
  }
}

/**
 * Why `dir` cannot be verified at all — missing, not a folder, unreadable — or `undefined`.
 * A missing path is an error, never an empty ledger: a mistyped path must not verify.
 */
function checkLedgerFolder(dir: string): Diagnostic | undefined {
  const problem = (code: LedgerDiagnosticCode, message: string) =>
    createDiagnostic({ file: dir, code, message: `${dir} ${message}` });
  try {
    if (!statSync(dir).isDirectory()) {
      return problem('ledger/not-a-directory', 'is a file, not a ledger folder');
    }
    readdirSync(dir);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return problem('ledger/not-found', 'does not exist: no ledger to verify');
    if (code === 'ENOTDIR') {
      return problem('ledger/not-a-directory', 'is inside a file, not a ledger folder');
    }
    return problem(
      'ledger/unreadable',
      `cannot be read (${code ?? 'error'}): the ledger was not verified`,
    );
  }
}

/** The report of a ledger that could not be read at all. */
function unverifiedReport(diagnostic: Diagnostic): VerifyReport {
  return {
    ok: false,
    entries: 0,
    head: GENESIS_PREV,
    signed: 0,
    bytes: 0,
    diagnostics: [diagnostic],
  };
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
  const findings = new Findings();
  const { diagnostics } = findings;
  const report = findings.report;
  let bytes = 0;

  const fileChecks = new FileChecks(dir, reader, findings);
  const pass = new ChainPass({
    state,
    findings,
    fileChecks,
    checkFiles,
    parse,
    requireSignatures,
    trusted: trustedKeys ? new Set(trustedKeys.map(normalizeIdentity)) : undefined,
  });
  const onLine = (file: string, live: boolean) => pass.lineHandler(file, live);
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
          enabled: () => !(readingLive && pass.overlap),
        })
      : undefined;
  for (const segment of segments) {
    const file = resolveLedgerPath(dir, segment);
    const segmentTail = await readChainLines(file, onLine(file, false), {
      onBlock: ordinaryPass,
      reuseBuffer: true,
    });
    if (pass.broken) break;
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
      pass.broken = true;
      break;
    }
  }
  pass.overlap = segments.length > 0;
  readingLive = true;
  const tail = pass.broken
    ? { end: 0, lines: 0, rest: Buffer.alloc(0) }
    : await readChainLines(chainFile, onLine(chainFile, true), {
        onBlock: ordinaryPass,
        reuseBuffer: true,
      });

  if (!pass.broken && tail.rest.length > 0) {
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
      findings,
    );
  }

  if (checkFiles && !pass.broken) await reportUncommitted(dir, state, reader, diagnostics);
  // Nothing refers to the leaves any more.
  returnBuffer(leaves);

  return {
    ok: !diagnostics.some((diagnostic) => diagnostic.severity === 'error'),
    entries: state.next,
    ...(root ? { root } : {}),
    head: state.head,
    signed: pass.signed,
    bytes: bytes + pass.bytes + fileChecks.bytes,
    diagnostics,
    ...(findings.firstBad ? { firstBad: findings.firstBad } : {}),
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

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * @deprecated The compiled verification accelerator was retired: verification runs in
 * portable TypeScript everywhere, so this always returns `false`.
 */
export function isVerifyAcceleratorAvailable(): boolean {
  return false;
}
