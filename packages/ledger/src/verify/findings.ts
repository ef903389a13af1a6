import type { Diagnostic } from '@karnel/core';
import type { LedgerDiagnosticCode } from '../diagnostic-codes';
import type { FirstBadEntry } from './verify-ledger';

/** What a verification found so far: every diagnostic, and the first bad entry. */
export class Findings {
  /** Every problem, in the order found. */
  readonly diagnostics: Diagnostic[] = [];
  /** The error at the lowest seq, when there is one. */
  firstBad: FirstBadEntry | undefined;

  /** Adds a diagnostic about entry `seq`, found at `line` of the chain file. */
  readonly report = (seq: number, line: number, diagnostic: Diagnostic): void => {
    this.diagnostics.push(diagnostic);
    if (diagnostic.severity === 'error' && (!this.firstBad || seq < this.firstBad.seq)) {
      this.firstBad = {
        seq,
        reason: diagnostic.message,
        code: diagnostic.code as LedgerDiagnosticCode,
        line,
      };
    }
  };
}
