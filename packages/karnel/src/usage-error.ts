import { KarnelError } from '@karnel/core';

const marker = Symbol.for('karnel.error.UsageError');

/** A mistake on the command line; the CLI prints it with a pointer to `--help` and exits 2. */
export class UsageError extends KarnelError {
  private readonly [marker] = true;

  constructor(message: string) {
    super({ name: 'UsageError', message });
  }

  /** Whether `error` is a {@link UsageError} from any copy of this package. */
  static override isInstance(error: unknown): error is UsageError {
    return KarnelError.hasMarker(error, 'karnel.error.UsageError');
  }
}
