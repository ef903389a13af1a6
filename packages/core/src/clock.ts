/**
 * Where code reads the time. Pass a {@link Clock} instead of calling `Date.now()` so that
 * expiry, budget periods and review cadences can be tested without waiting.
 */
export interface Clock {
  /** The current time. */
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to; for tests and replays. */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `milliseconds`. */
  advance(milliseconds: number): void;
  /** Sets the clock to `time`. */
  set(time: Date | string | number): void;
}

/** Creates a {@link ManualClock} starting at `start` (default: the Unix epoch). */
export function createManualClock(start: Date | string | number = 0): ManualClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    advance: (milliseconds) => {
      current += milliseconds;
    },
    set: (time) => {
      current = new Date(time).getTime();
    },
  };
}
