import { KarnelError } from '@karnel/core';

const marker = Symbol.for('karnel.error.CommandError');

/**
 * A problem a command found with what it was given (a path that is not a ledger, a key file
 * that cannot be used): the CLI prints `error: <message>` on one line and exits 1.
 */
export class CommandError extends KarnelError {
  private readonly [marker] = true;

  /** @param message - One sentence naming the path or value and what was expected. */
  constructor(message: string) {
    super({ name: 'CommandError', message });
  }

  /** Whether `error` is a {@link CommandError} from any copy of this package. */
  static override isInstance(error: unknown): error is CommandError {
    return KarnelError.hasMarker(error, 'karnel.error.CommandError');
  }
}
