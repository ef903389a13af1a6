import { KarnelError } from '@karnel/core';

const marker = Symbol.for('karnel.error.PolicyAuthorizationError');

/**
 * A signer tried something its key does not authorise: leaving safe mode without the owner's
 * key, revoking a grant it did not issue. The message names the identity and what it lacked.
 */
export class PolicyAuthorizationError extends KarnelError {
  private readonly [marker] = true;
  /** The identity that was refused. */
  readonly identity: string;

  constructor({ identity, message }: { identity: string; message: string }) {
    super({ name: 'PolicyAuthorizationError', message });
    this.identity = identity;
  }

  /** Whether `error` is a {@link PolicyAuthorizationError} from any copy of this package. */
  static override isInstance(error: unknown): error is PolicyAuthorizationError {
    return KarnelError.hasMarker(error, 'karnel.error.PolicyAuthorizationError');
  }
}
