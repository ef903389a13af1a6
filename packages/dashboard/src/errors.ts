import { type Diagnostic, KarnelError } from '@karnel/core';

const marker = Symbol.for('karnel.error.DashboardDirectoryError');

/**
 * The dashboard was pointed at something that is not a group directory: a missing path, a
 * file, an agent directory, or a folder without a readable `manifest.yaml`.
 */
export class DashboardDirectoryError extends KarnelError {
  private readonly [marker] = true;
  /** The path given. */
  readonly dir: string;
  /** What was found there, with file, line and column. */
  readonly diagnostics: readonly Diagnostic[];

  constructor({
    dir,
    diagnostics,
    message,
  }: {
    dir: string;
    diagnostics: readonly Diagnostic[];
    message: string;
  }) {
    super({ name: 'DashboardDirectoryError', message });
    this.dir = dir;
    this.diagnostics = diagnostics;
  }

  /** Whether `error` is a {@link DashboardDirectoryError}, even from another copy of this package. */
  static override isInstance(error: unknown): error is DashboardDirectoryError {
    return KarnelError.hasMarker(error, 'karnel.error.DashboardDirectoryError');
  }
}
