import { KarnelError } from '@karnel/core';

const budgetMarker = Symbol.for('karnel.error.BudgetExceededError');

/** The treasury refused to reserve a model call's worst-case cost; nothing was sent. */
export class BudgetExceededError extends KarnelError {
  private readonly [budgetMarker] = true;
  /** The tier of the call. */
  readonly tier: string;
  /** The candidate (`provider:model`) the call was for. */
  readonly candidate: string;
  /** The worst-case amount asked for, decimal text in the treasury's currency. */
  readonly amount: string;
  /** The treasury's effect: `deny` or `needs-approval`. */
  readonly effect: string;
  /** The treasury's reason, naming the budget or gate. */
  readonly reason: string;

  constructor(options: {
    tier: string;
    candidate: string;
    amount: string;
    effect: string;
    reason: string;
  }) {
    super({
      name: 'BudgetExceededError',
      message: `The treasury refused ${options.amount} for a ${options.tier} call to ${options.candidate} (${options.effect}): ${options.reason}`,
    });
    this.tier = options.tier;
    this.candidate = options.candidate;
    this.amount = options.amount;
    this.effect = options.effect;
    this.reason = options.reason;
  }

  /** Whether `error` is a {@link BudgetExceededError} from any copy of this package. */
  static override isInstance(error: unknown): error is BudgetExceededError {
    return KarnelError.hasMarker(error, 'karnel.error.BudgetExceededError');
  }
}

const unavailableMarker = Symbol.for('karnel.error.TierUnavailableError');

/** A candidate that did not serve a call, and why. */
export interface TierAttempt {
  /** The candidate (`provider:model`). */
  readonly candidate: string;
  /** Why it was left out or why its call failed, one sentence. */
  readonly reason: string;
}

/** A tier has no usable candidate on this machine, or every candidate failed in a way that allows fallback. */
export class TierUnavailableError extends KarnelError {
  private readonly [unavailableMarker] = true;
  /** The tier. */
  readonly tier: string;
  /** Each candidate left out or tried, and why it did not serve the call. */
  readonly attempts: readonly TierAttempt[];

  constructor(options: {
    tier: string;
    attempts: readonly TierAttempt[];
    cause?: unknown;
  }) {
    const detail = options.attempts.length
      ? options.attempts.map((attempt) => `${attempt.candidate}: ${attempt.reason}`).join('; ')
      : 'no candidate is configured';
    super({
      name: 'TierUnavailableError',
      message: `No model serves tier ${options.tier} on this machine — ${detail}`,
      cause: options.cause,
    });
    this.tier = options.tier;
    this.attempts = options.attempts;
  }

  /** Whether `error` is a {@link TierUnavailableError} from any copy of this package. */
  static override isInstance(error: unknown): error is TierUnavailableError {
    return KarnelError.hasMarker(error, 'karnel.error.TierUnavailableError');
  }
}

const timeoutMarker = Symbol.for('karnel.error.TierTimeoutError');

/** A candidate sent no first byte (stream: no first content) within its `timeout_ms`. */
export class TierTimeoutError extends KarnelError {
  private readonly [timeoutMarker] = true;
  /** The candidate (`provider:model`). */
  readonly candidate: string;
  /** The limit, ms. */
  readonly timeoutMs: number;

  constructor(options: { candidate: string; timeoutMs: number }) {
    super({
      name: 'TierTimeoutError',
      message: `${options.candidate} did not answer within ${options.timeoutMs} ms`,
    });
    this.candidate = options.candidate;
    this.timeoutMs = options.timeoutMs;
  }

  /** Whether `error` is a {@link TierTimeoutError} from any copy of this package. */
  static override isInstance(error: unknown): error is TierTimeoutError {
    return KarnelError.hasMarker(error, 'karnel.error.TierTimeoutError');
  }
}
