import { KarnelError } from '@karnel/core';

const recordMarker = Symbol.for('karnel.error.TreasuryRecordError');

/**
 * A treasury record cannot be appended or counted: it is malformed, in another currency than
 * the treasury's, or finer than the currency allows. Thrown when appending such a record, and by
 * `computeBalances` when given one directly; records read from a store or a ledger are checked
 * first, and a refused one is reported and skipped instead (`readTreasuryRecords`).
 */
export class TreasuryRecordError extends KarnelError {
  private readonly [recordMarker] = true;
  /** The offending record, as stored. */
  readonly record: unknown;

  constructor({ record, message, cause }: { record: unknown; message: string; cause?: unknown }) {
    super({ name: 'TreasuryRecordError', message, cause });
    this.record = record;
  }

  /** Whether `error` is a {@link TreasuryRecordError} from any copy of this package. */
  static override isInstance(error: unknown): error is TreasuryRecordError {
    return KarnelError.hasMarker(error, 'karnel.error.TreasuryRecordError');
  }
}

const reservationMarker = Symbol.for('karnel.error.ReservationStateError');

/**
 * A reservation was committed or released that does not exist or is already settled. Settling
 * twice would count the same money twice.
 */
export class ReservationStateError extends KarnelError {
  private readonly [reservationMarker] = true;
  /** The reservation id given. */
  readonly reservationId: string;
  /** What the reservation's state was: `unknown`, `committed` or `released`. */
  readonly state: 'unknown' | 'committed' | 'released';

  constructor({
    reservationId,
    state,
  }: { reservationId: string; state: 'unknown' | 'committed' | 'released' }) {
    super({
      name: 'ReservationStateError',
      message:
        state === 'unknown'
          ? `No reservation ${reservationId} in this treasury`
          : `Reservation ${reservationId} is already ${state}`,
    });
    this.reservationId = reservationId;
    this.state = state;
  }

  /** Whether `error` is a {@link ReservationStateError} from any copy of this package. */
  static override isInstance(error: unknown): error is ReservationStateError {
    return KarnelError.hasMarker(error, 'karnel.error.ReservationStateError');
  }
}
