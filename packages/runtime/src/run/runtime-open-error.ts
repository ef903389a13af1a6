import { type Diagnostic, formatDiagnostics, KarnelError } from '@karnel/core';

/** Which part of a group could not be opened. */
export type RuntimePart =
  | 'group'
  | 'ledger'
  | 'policy'
  | 'treasury'
  | 'tiers'
  | 'coordination'
  | 'goals'
  | 'memory'
  | 'skills'
  | 'offline'
  | 'adapters';

const marker = 'karnel.error.RuntimeOpenError';
const symbol = Symbol.for(marker);

/**
 * A group cannot be run: one of its parts does not open. `diagnostics` point at the file, line
 * and column of each problem; the message names the part and lists them, ready to print.
 */
export class RuntimeOpenError extends KarnelError {
  private readonly [symbol] = true;
  /** The group directory. */
  readonly dir: string;
  /** The part that failed to open. */
  readonly part: RuntimePart;
  /** Every problem found, each with file, line and column when it comes from a file. */
  readonly diagnostics: readonly Diagnostic[];

  constructor({
    dir,
    part,
    diagnostics,
    summary,
    cause,
  }: {
    dir: string;
    part: RuntimePart;
    diagnostics: readonly Diagnostic[];
    summary: string;
    cause?: unknown;
  }) {
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    const listed = errors.length > 0 ? errors : diagnostics;
    super({
      name: 'RuntimeOpenError',
      message: listed.length > 0 ? `${summary}:\n${formatDiagnostics(listed)}` : summary,
      ...(cause === undefined ? {} : { cause }),
    });
    this.dir = dir;
    this.part = part;
    this.diagnostics = diagnostics;
  }

  /** Whether `error` is a {@link RuntimeOpenError} from any copy of this package. */
  static override isInstance(error: unknown): error is RuntimeOpenError {
    return KarnelError.hasMarker(error, marker);
  }
}
