import type { Diagnostic } from './diagnostic';
import { KarnelError } from './karnel-error';

const invalidArgumentMarker = Symbol.for('karnel.error.InvalidArgumentError');

/** A function was called with an argument it cannot accept. */
export class InvalidArgumentError extends KarnelError {
  private readonly [invalidArgumentMarker] = true;
  /** The name of the argument. */
  readonly argument: string;
  /** The value that was passed. */
  readonly value: unknown;

  constructor({ argument, value, message }: { argument: string; value: unknown; message: string }) {
    super({ name: 'InvalidArgumentError', message: `Invalid argument ${argument}: ${message}` });
    this.argument = argument;
    this.value = value;
  }

  /** Whether `error` is an {@link InvalidArgumentError} from any copy of this package. */
  static override isInstance(error: unknown): error is InvalidArgumentError {
    return KarnelError.hasMarker(error, 'karnel.error.InvalidArgumentError');
  }
}

const validationMarker = Symbol.for('karnel.error.ValidationError');

/**
 * Thrown by the throwing variants of validators (`validateX`) when input does not conform.
 * Carries the diagnostics that the non-throwing variants (`safeValidateX`) would return.
 */
export class ValidationError extends KarnelError {
  private readonly [validationMarker] = true;
  /** Every problem found, errors and warnings. */
  readonly diagnostics: readonly Diagnostic[];

  constructor({ diagnostics, message }: { diagnostics: readonly Diagnostic[]; message?: string }) {
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    const first = errors[0] ?? diagnostics[0];
    super({
      name: 'ValidationError',
      message:
        message ??
        (first
          ? `${errors.length} error(s); first: ${first.file}:${first.line}:${first.column}: ${first.message}`
          : 'Validation failed'),
    });
    this.diagnostics = diagnostics;
  }

  /** Whether `error` is a {@link ValidationError} from any copy of this package. */
  static override isInstance(error: unknown): error is ValidationError {
    return KarnelError.hasMarker(error, 'karnel.error.ValidationError');
  }
}

const lockMarker = Symbol.for('karnel.error.LockTimeoutError');

/** An advisory file lock could not be taken within the allowed time. */
export class LockTimeoutError extends KarnelError {
  private readonly [lockMarker] = true;
  /** The lock file that stayed held. */
  readonly lockPath: string;
  /** How long the caller waited, in milliseconds. */
  readonly waitedMs: number;

  constructor({
    lockPath,
    waitedMs,
    holder,
  }: { lockPath: string; waitedMs: number; holder?: string }) {
    super({
      name: 'LockTimeoutError',
      message: `Could not take lock ${lockPath} within ${waitedMs} ms${holder ? ` (held by ${holder})` : ''}`,
    });
    this.lockPath = lockPath;
    this.waitedMs = waitedMs;
  }

  /** Whether `error` is a {@link LockTimeoutError} from any copy of this package. */
  static override isInstance(error: unknown): error is LockTimeoutError {
    return KarnelError.hasMarker(error, 'karnel.error.LockTimeoutError');
  }
}

const unsupportedMarker = Symbol.for('karnel.error.UnsupportedVersionError');

/** A stored object declares a specification version this code cannot handle. */
export class UnsupportedVersionError extends KarnelError {
  private readonly [unsupportedMarker] = true;
  /** The version that was found. */
  readonly version: string;
  /** The versions this code supports. */
  readonly supported: readonly string[];

  constructor({
    version,
    supported,
    what,
  }: { version: string; supported: readonly string[]; what: string }) {
    super({
      name: 'UnsupportedVersionError',
      message: `Unsupported ${what} version "${version}"; supported: ${supported.join(', ')}`,
    });
    this.version = version;
    this.supported = supported;
  }

  /** Whether `error` is an {@link UnsupportedVersionError} from any copy of this package. */
  static override isInstance(error: unknown): error is UnsupportedVersionError {
    return KarnelError.hasMarker(error, 'karnel.error.UnsupportedVersionError');
  }
}
