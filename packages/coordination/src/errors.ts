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

const archiveMarker = Symbol.for('karnel.error.ArchiveIntegrityError');

/**
 * A message archive in a ledger cannot be read back as it was written: a committed line was
 * altered, or is not a message any more. Run `karnel ledger verify` to see every problem.
 */
export class ArchiveIntegrityError extends KarnelError {
  private readonly [archiveMarker] = true;
  /** The ledger folder. */
  readonly dir: string;
  /** The seq of the entry whose message could not be read. */
  readonly seq: number;

  constructor({ dir, seq, reason }: { dir: string; seq: number; reason: string }) {
    super({
      name: 'ArchiveIntegrityError',
      message: `Message archive in ${dir} is damaged: ${reason}`,
    });
    this.dir = dir;
    this.seq = seq;
  }

  /** Whether `error` is an {@link ArchiveIntegrityError} from any copy of this package. */
  static override isInstance(error: unknown): error is ArchiveIntegrityError {
    return KarnelError.hasMarker(error, 'karnel.error.ArchiveIntegrityError');
  }
}
