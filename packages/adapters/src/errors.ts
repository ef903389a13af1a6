import { KarnelError } from '@karnel/core';

const marker = 'karnel.adapters.error';
const symbol = Symbol.for(marker);

/** Stable codes of {@link AdapterError}. */
export type AdapterErrorCode =
  | 'adapter/config'
  | 'adapter/secret'
  | 'adapter/unreachable'
  | 'adapter/bad-response'
  | 'adapter/rejected'
  | 'adapter/timeout'
  | 'adapter/conflict';

/**
 * An invocation or a configuration that could not be carried out: a member that cannot be
 * reached after every retry, an answer that does not conform, a secret reference that does not
 * resolve. Inside `invoke` it becomes an `adapter.error` record and a `failed` outcome.
 */
export class AdapterError extends KarnelError {
  private readonly [symbol] = true;

  /** Why, as a stable code. */
  readonly code: AdapterErrorCode;

  /**
   * @param options - `code`: the stable code; `message`: one sentence a user can act on;
   *   `cause`: the underlying error, if any.
   */
  constructor(options: { code: AdapterErrorCode; message: string; cause?: unknown }) {
    super({ name: 'AdapterError', message: options.message, cause: options.cause });
    this.code = options.code;
  }

  /** Whether `error` is an {@link AdapterError}, from any installed copy of this package. */
  static override isInstance(error: unknown): error is AdapterError {
    return KarnelError.hasMarker(error, marker);
  }
}
