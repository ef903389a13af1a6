import { createDiagnostic } from '@karnel/core';
import type { LedgerDiagnosticCode } from '../diagnostic-codes';
import { LedgerIntegrityError } from '../errors';
import { type DecodeOptions, decodeEntryLine, type LedgerEntry } from '../format/entry';
import type { ChainState } from './chain-state';

/** Why a chain line was refused, and at which stage. */
export interface LineProblem {
  /** `decode`: the line itself is malformed or its hash is wrong; `link`: it does not continue the chain. */
  readonly stage: 'decode' | 'link';
  /** The diagnostic code. */
  readonly code: LedgerDiagnosticCode;
  /** What is wrong. */
  readonly message: string;
  /** 1-based byte column in the line. */
  readonly column: number;
}

/** What {@link acceptChainLine} made of one line. */
export type LineOutcome =
  | { readonly status: 'accepted'; readonly entry: LedgerEntry }
  | { readonly status: 'repeated'; readonly entry: LedgerEntry }
  | { readonly status: 'refused'; readonly problem: LineProblem };

/** Options of {@link acceptChainLine}. */
export interface AcceptLineOptions {
  /**
   * The live chain may start with entries an interrupted archiving already copied to the
   * archive: a line identical to an entry the state holds is then `repeated`, not an error.
   */
  readonly overlap?: boolean;
  /** Passed to the decoder. */
  readonly decode?: DecodeOptions;
  /** Called with the decoded entry before the state accepts it (verification reads snapshots there). */
  readonly beforeAccept?: (entry: LedgerEntry) => void;
}

/**
 * The one "decode a chain line, then let the chain state accept it" step shared by the
 * writer's catch-up, the archive replay, {@link readLedgerEntries} and verification.
 */
export function acceptChainLine(
  state: ChainState,
  bytes: Buffer,
  { overlap = false, decode, beforeAccept }: AcceptLineOptions = {},
): LineOutcome {
  const decoded = decodeEntryLine(bytes, decode);
  if (!decoded.ok) {
    return { status: 'refused', problem: { stage: 'decode', ...decoded.problem } };
  }
  const entry = decoded.entry;
  if (overlap && state.leafHex(entry.seq) === entry.hash) return { status: 'repeated', entry };
  beforeAccept?.(entry);
  const problem = state.accept(entry);
  if (problem) return { status: 'refused', problem: { stage: 'link', ...problem, column: 1 } };
  return { status: 'accepted', entry };
}

/** The {@link LedgerIntegrityError} for a refused line of `file`. */
export function lineIntegrityError(
  dir: string,
  file: string,
  line: number,
  problem: Pick<LineProblem, 'code' | 'message' | 'column'>,
): LedgerIntegrityError {
  return new LedgerIntegrityError({
    dir,
    diagnostics: [
      createDiagnostic({
        file,
        line: Math.max(1, line),
        column: problem.column,
        code: problem.code,
        message: problem.message,
      }),
    ],
  });
}
