import { KarnelError } from '@karnel/core';

const routingMarker = Symbol.for('karnel.error.RoutingError');

/** A message was sent along a route the group's protocol does not allow. */
export class RoutingError extends KarnelError {
  private readonly [routingMarker] = true;
  /** The id of the refused message. */
  readonly messageId: string;
  /** Why it was refused. */
  readonly reason: string;

  constructor({ messageId, reason }: { messageId: string; reason: string }) {
    super({ name: 'RoutingError', message: `Message ${messageId} refused: ${reason}` });
    this.messageId = messageId;
    this.reason = reason;
  }

  /** Whether `error` is a {@link RoutingError} from any copy of this package. */
  static override isInstance(error: unknown): error is RoutingError {
    return KarnelError.hasMarker(error, 'karnel.error.RoutingError');
  }
}
