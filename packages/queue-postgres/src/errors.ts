import { KarnelError } from '@karnel/core';

const claimLostMarker = Symbol.for('karnel.error.ClaimLostError');

/**
 * A claim is no longer held: its lease lapsed (no heartbeat in time) and the wake was reclaimed
 * by another executor, or it was already completed. Whoever holds it must stop working on the
 * run; nothing it reports for this attempt is recorded.
 */
export class ClaimLostError extends KarnelError {
  private readonly [claimLostMarker] = true;
  /** The wake whose claim was lost. */
  readonly wakeId: string;

  constructor({ wakeId, message }: { wakeId: string; message?: string }) {
    super({
      name: 'ClaimLostError',
      message:
        message ??
        `the claim on wake ${wakeId} is no longer held: its lease lapsed and the wake was reclaimed, or it was completed`,
    });
    this.wakeId = wakeId;
  }

  /** Whether `error` is a {@link ClaimLostError} from any copy of this package. */
  static override isInstance(error: unknown): error is ClaimLostError {
    return KarnelError.hasMarker(error, 'karnel.error.ClaimLostError');
  }
}

const configMarker = Symbol.for('karnel.error.QueueConfigError');

/** The queue's settings are unusable: a malformed connection string, a group name pg-boss refuses, a lease below 10 s. */
export class QueueConfigError extends KarnelError {
  private readonly [configMarker] = true;
  /** Every problem found, one line each (`field: message`). */
  readonly problems: readonly string[];

  constructor({ problems }: { problems: readonly string[] }) {
    super({ name: 'QueueConfigError', message: `invalid queue settings: ${problems.join('; ')}` });
    this.problems = problems;
  }

  /** Whether `error` is a {@link QueueConfigError} from any copy of this package. */
  static override isInstance(error: unknown): error is QueueConfigError {
    return KarnelError.hasMarker(error, 'karnel.error.QueueConfigError');
  }
}
