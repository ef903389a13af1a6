import { type Diagnostic, KarnelError } from '@karnel/core';

// Each class's marker literal is written once, here; the symbol and `isInstance` both use it.
const INTEGRITY_MARKER = 'karnel.error.LedgerIntegrityError';
const STATE_MARKER = 'karnel.error.LedgerStateError';
const INVALID_RECORD_MARKER = 'karnel.error.InvalidRecordError';
const NOT_FOUND_MARKER = 'karnel.error.LedgerNotFoundError';
const ACCESS_MARKER = 'karnel.error.LedgerAccessError';

const integrityMarker = Symbol.for(INTEGRITY_MARKER);

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
    return KarnelError.hasMarker(error, INTEGRITY_MARKER);
  }
}

const stateMarker = Symbol.for(STATE_MARKER);

/**
 * A record does not fit the ledger's current state: a step for a run that was never started or
 * is already finished, a second outcome for the same decision, a closed ledger. These are
 * programming errors of the caller; nothing is written.
 */
export class LedgerStateError extends KarnelError {
  private readonly [stateMarker] = true;
  /**
   * The record type that was refused; `any` when the ledger refuses every record (it is
   * closed), `ledger.proof` for a proof that cannot be made.
   */
  readonly recordType: string;

  constructor({ recordType, message }: { recordType: string; message: string }) {
    super({ name: 'LedgerStateError', message });
    this.recordType = recordType;
  }

  /** Whether `error` is a {@link LedgerStateError} from any copy of this package. */
  static override isInstance(error: unknown): error is LedgerStateError {
    return KarnelError.hasMarker(error, STATE_MARKER);
  }
}

const invalidRecordMarker = Symbol.for(INVALID_RECORD_MARKER);

/**
 * A record was refused by the `RecordValidator` that owns its type (see
 * `OpenLedgerOptions.validators`). The ledger is append-only, so it is refused before anything
 * is written: no data file, no chain entry.
 */
export class InvalidRecordError extends KarnelError {
  private readonly [invalidRecordMarker] = true;
  /** The record type that was refused. */
  readonly recordType: string;
  /** The validator's message. */
  readonly reason: string;

  constructor({ recordType, reason }: { recordType: string; reason: string }) {
    super({ name: 'InvalidRecordError', message: `Invalid ${recordType} record: ${reason}` });
    this.recordType = recordType;
    this.reason = reason;
  }

  /** Whether `error` is an {@link InvalidRecordError} from any copy of this package. */
  static override isInstance(error: unknown): error is InvalidRecordError {
    return KarnelError.hasMarker(error, INVALID_RECORD_MARKER);
  }
}

/** Why {@link LedgerNotFoundError} was thrown. */
export type LedgerNotFoundReason = 'missing' | 'not-a-directory' | 'not-a-ledger';

const notFoundMarker = Symbol.for(NOT_FOUND_MARKER);

/**
 * There is no ledger at the path: nothing is there, a file is there instead of a folder, or
 * (when opened with `create: false`) the folder holds no ledger yet.
 */
export class LedgerNotFoundError extends KarnelError {
  private readonly [notFoundMarker] = true;
  /** The path that was opened. */
  readonly path: string;
  /** What is there instead of a ledger. */
  readonly reason: LedgerNotFoundReason;

  constructor({ path, reason }: { path: string; reason: LedgerNotFoundReason }) {
    const what = {
      missing: 'does not exist',
      'not-a-directory': 'is not a folder',
      'not-a-ledger': 'holds no ledger (no chain.jsonl)',
    }[reason];
    super({ name: 'LedgerNotFoundError', message: `No ledger at ${path}: the path ${what}` });
    this.path = path;
    this.reason = reason;
  }

  /** Whether `error` is a {@link LedgerNotFoundError} from any copy of this package. */
  static override isInstance(error: unknown): error is LedgerNotFoundError {
    return KarnelError.hasMarker(error, NOT_FOUND_MARKER);
  }
}

const accessMarker = Symbol.for(ACCESS_MARKER);

/**
 * This process may not read or write the ledger at `path` (permissions, a read-only file
 * system). Thrown by `openLedger` before anything is written.
 */
export class LedgerAccessError extends KarnelError {
  private readonly [accessMarker] = true;
  /** The file or folder that could not be accessed. */
  readonly path: string;
  /** What was refused. */
  readonly operation: 'read' | 'write';
  /** The system's reason (`EACCES`, `EROFS`, …). */
  readonly reason: string;

  constructor({
    path,
    operation,
    reason,
  }: {
    path: string;
    operation: 'read' | 'write';
    reason: string;
  }) {
    super({
      name: 'LedgerAccessError',
      message: `Cannot ${operation} the ledger at ${path} (${reason}): ${operation === 'write' ? 'it is read-only for this process' : 'it is unreadable for this process'}`,
    });
    this.path = path;
    this.operation = operation;
    this.reason = reason;
  }

  /** Whether `error` is a {@link LedgerAccessError} from any copy of this package. */
  static override isInstance(error: unknown): error is LedgerAccessError {
    return KarnelError.hasMarker(error, ACCESS_MARKER);
  }
}
