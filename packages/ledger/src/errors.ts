import { type Diagnostic, KarnelError } from '@karnel/core';

const integrityMarker = Symbol.for('karnel.error.LedgerIntegrityError');

/**
 * A ledger cannot be written because its chain is damaged (or was tampered with). Appending to
 * a broken chain would bury the evidence, so writers refuse; run `verifyLedger` (or
 * `karnel ledger verify`) to see every problem.
 */
export class LedgerIntegrityError extends KarnelError {
  private readonly [integrityMarker] = true;
  /** The ledger folder. */
  readonly dir: string;
  /** What was found, first problem first. */
  readonly diagnostics: readonly Diagnostic[];

  constructor({ dir, diagnostics }: { dir: string; diagnostics: readonly Diagnostic[] }) {
    const first =
      diagnostics.find((diagnostic) => diagnostic.severity === 'error') ?? diagnostics[0];
    super({
      name: 'LedgerIntegrityError',
      message: `Ledger ${dir} is damaged${first ? `: ${first.file}:${first.line}:${first.column}: ${first.message}` : ''}`,
    });
    this.dir = dir;
    this.diagnostics = diagnostics;
  }

  /** Whether `error` is a {@link LedgerIntegrityError} from any copy of this package. */
  static override isInstance(error: unknown): error is LedgerIntegrityError {
    return KarnelError.hasMarker(error, 'karnel.error.LedgerIntegrityError');
  }
}

const stateMarker = Symbol.for('karnel.error.LedgerStateError');

/**
 * A record does not fit the ledger's current state: a step for a run that was never started or
 * is already finished, a second outcome for the same decision, a closed ledger. These are
 * programming errors of the caller; nothing is written.
 */
export class LedgerStateError extends KarnelError {
  private readonly [stateMarker] = true;
  /** The record type that was refused. */
  readonly recordType: string;

  constructor({ recordType, message }: { recordType: string; message: string }) {
    super({ name: 'LedgerStateError', message });
    this.recordType = recordType;
  }

  /** Whether `error` is a {@link LedgerStateError} from any copy of this package. */
  static override isInstance(error: unknown): error is LedgerStateError {
    return KarnelError.hasMarker(error, 'karnel.error.LedgerStateError');
  }
}
