import { createDiagnostic } from '@karnel/core';
import { type LedgerEntry, verifyEntrySignature } from '../format/entry';
import { parseSnapshotBody, SNAPSHOT_TYPE, type SnapshotBody } from '../format/snapshot';
import { acceptChainLine } from '../read/accept-line';
import type { ChainLine } from '../read/chain-reader';
import type { ChainState } from '../read/chain-state';
import { normalizeIdentity } from '../transparency/checkpoint';
import type { FileChecks } from './file-checks';
import type { Findings } from './findings';

/** What a {@link ChainPass} checks lines against and reports to. */
export interface ChainPassContext {
  /** The chain state being built. */
  readonly state: ChainState;
  /** Where problems go. */
  readonly findings: Findings;
  /** Checks each entry's committed chunks. */
  readonly fileChecks: FileChecks;
  /** Whether committed chunks are checked (`VerifyOptions.files`). */
  readonly checkFiles: boolean;
  /** Parse every body completely (`VerifyOptions.parse`). */
  readonly parse: boolean;
  /** Report unsigned entries (`VerifyOptions.requireSignatures`). */
  readonly requireSignatures: boolean;
  /** Identities whose signatures count, normalised; every signer must be one when given. */
  readonly trusted: ReadonlySet<string> | undefined;
}

/**
 * The chain pass of verification through the full decoder: each line is decoded and accepted
 * by the chain state (see `acceptChainLine`), its signature checked, and its committed chunks
 * (or a snapshot's files) checked. The first line that breaks the chain ends the pass.
 */
export class ChainPass {
  /** Bytes of chain lines read by this pass. */
  bytes = 0;
  /** Entries carrying a valid signature (by a trusted key, when keys are given). */
  signed = 0;
  /** Whether the chain broke: nothing after that line can be trusted. */
  broken = false;
  /** Whether the live chain may start with entries the archive already holds. */
  overlap = false;
  readonly #context: ChainPassContext;
  /** One options object for every line: only the expected prev changes. */
  readonly #decodeOptions: { parse: boolean; expectedPrev?: string };

  /** @param context - What the lines are checked against. */
  constructor(context: ChainPassContext) {
    this.#context = context;
    this.#decodeOptions = { parse: context.parse };
  }

  /** The `onLine` handler for the chain file or archive segment `file`. */
  lineHandler(file: string, live: boolean): (chainLine: ChainLine) => boolean | Promise<boolean> {
    const { state, fileChecks, checkFiles, requireSignatures, trusted } = this.#context;
    const report = this.#context.findings.report;
    return (chainLine) => {
      this.bytes += chainLine.bytes.length + 1;
      this.#decodeOptions.expectedPrev = state.head;
      let snapshot = undefined as SnapshotBody | string | undefined;
      const outcome = acceptChainLine(state, chainLine.bytes, {
        // Entries an interrupted archiving already copied to the archive: read them once.
        overlap: live && this.overlap,
        decode: this.#decodeOptions,
        beforeAccept: (entry) => {
          snapshot = entry.type === SNAPSHOT_TYPE ? parseSnapshotBody(entry.body) : undefined;
        },
      });
      if (outcome.status === 'repeated') return true;
      if (live) this.overlap = false;
      if (outcome.status === 'refused') {
        const { problem } = outcome;
        // The first line of a chain whose earlier entries were archived away has no predecessor
        // to say which entry it should be: take the number it claims.
        const seq =
          problem.stage === 'link'
            ? state.next
            : state.next === 0
              ? (claimedSeq(chainLine.bytes) ?? 0)
              : state.next;
        report(
          seq,
          chainLine.line,
          createDiagnostic({
            file,
            line: chainLine.line,
            ...(problem.stage === 'decode' ? { column: problem.column } : {}),
            code: problem.code,
            message:
              problem.stage === 'decode' ? `entry ${seq}: ${problem.message}` : problem.message,
          }),
        );
        this.broken = true;
        return false;
      }
      const entry = outcome.entry;
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
          this.signed++;
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
          return this.#checkSnapshot(entry, chainLine.line, file, snapshot);
        }
      }
      if (checkFiles && entry.files.length > 0)
        return fileChecks.checkChunks(entry, chainLine.line);
      return true;
    };
  }

  async #checkSnapshot(
    entry: LedgerEntry,
    line: number,
    file: string,
    snapshot: SnapshotBody,
  ): Promise<boolean> {
    const { fileChecks, checkFiles } = this.#context;
    await fileChecks.checkSnapshot(entry, line, file, snapshot);
    if (checkFiles && entry.files.length > 0) await fileChecks.checkChunks(entry, line);
    return true;
  }
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
