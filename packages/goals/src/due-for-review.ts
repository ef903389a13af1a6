import { type Clock, InvalidArgumentError, systemClock } from '@karnel/core';
import { goalDeadline } from './deadline';
import type { GoalsFile, ReviewCadence } from './goal-schema';
import { walkGoals } from './walk-goals';

/** The events an event-driven cadence counts. */
export type ReviewEvent = 'run' | 'publication' | 'escalation';

/** What is known about the last review of one kind. */
export interface ReviewRecord {
  /** When it last happened; never, when absent. */
  lastAt?: Date | string;
  /** How many of each event happened since (for `per_run`, `per_publication`, `on_escalation`). */
  eventsSince?: Partial<Record<ReviewEvent, number>>;
}

/** The last reviews, as the runtime remembers them. */
export interface ReviewState {
  /** The last strategic review. */
  strategic?: ReviewRecord;
  /** The last tactical review. */
  tactical?: ReviewRecord;
  /**
   * When each goal was last looked at, by id. When given, open goals not reviewed within the
   * strategic interval are listed as stale.
   */
  goals?: Readonly<Record<string, Date | string>>;
}

/** Something due for review. */
export type ReviewDue =
  | {
      /** A whole review of the goal tree is due. */
      readonly scope: 'strategic' | 'tactical';
      /** The cadence that makes it due. */
      readonly cadence: ReviewCadence;
      /** Why, in a sentence. */
      readonly reason: string;
      /** When it fell due (clock cadences that have run before). */
      readonly dueAt?: Date;
    }
  | {
      /** One goal needs attention. */
      readonly scope: 'goal';
      /** The goal's id. */
      readonly goalId: string;
      /** `deadline-passed`, `deadline-near`, or `stale` (not reviewed within the strategic interval). */
      readonly kind: 'deadline-passed' | 'deadline-near' | 'stale';
      /** Why, in a sentence. */
      readonly reason: string;
    };

/** Options of {@link dueForReview}. */
export interface DueForReviewOptions {
  /** How many days before a deadline a goal is listed. Default 7. */
  deadlineWarningDays?: number;
  /** The time zone whose calendar date is compared with deadlines. Default `UTC`. */
  timeZone?: string;
}

const day = 24 * 3_600_000;

/** How long a clock cadence lasts, in milliseconds; `undefined` for an event cadence. */
export function cadenceInterval(cadence: ReviewCadence): number | undefined {
  switch (cadence) {
    case 'hourly':
      return 3_600_000;
    case 'daily':
      return day;
    case 'weekly':
      return 7 * day;
    case 'biweekly':
      return 14 * day;
    case 'monthly':
      return 30 * day;
    case 'quarterly':
      return 91 * day;
    default:
      return undefined;
  }
}

const cadenceEvent: Partial<Record<ReviewCadence, ReviewEvent>> = {
  per_run: 'run',
  per_publication: 'publication',
  on_escalation: 'escalation',
};

/**
 * Lists what is due for review now: the strategic and tactical reviews whose cadence has come
 * round (a clock cadence whose interval has passed since the last review, or an event cadence
 * whose event happened since), and open goals whose deadline has passed or is near, or that
 * have not been looked at within the strategic interval.
 */
export function dueForReview(
  goals: GoalsFile,
  state: ReviewState = {},
  clock: Clock = systemClock,
  { deadlineWarningDays = 7, timeZone = 'UTC' }: DueForReviewOptions = {},
): ReviewDue[] {
  const now = clock.now();
  const due: ReviewDue[] = [];
  for (const scope of ['strategic', 'tactical'] as const) {
    const cadence = goals.review_cadence?.[scope];
    if (cadence === undefined) continue;
    const record = state[scope] ?? {};
    const interval = cadenceInterval(cadence);
    if (interval !== undefined) {
      const last = toTime(record.lastAt, `state.${scope}.lastAt`);
      if (last === undefined) {
        due.push({
          scope,
          cadence,
          reason: `no ${scope} review has happened yet (cadence ${cadence})`,
        });
      } else if (now.getTime() - last >= interval) {
        due.push({
          scope,
          cadence,
          reason: `the last ${scope} review was more than ${describe(interval)} ago (cadence ${cadence})`,
          dueAt: new Date(last + interval),
        });
      }
      continue;
    }
    const event = cadenceEvent[cadence];
    const count = event ? (record.eventsSince?.[event] ?? 0) : 0;
    if (event && count > 0) {
      due.push({
        scope,
        cadence,
        reason: `${count} ${event}${count === 1 ? '' : 's'} since the last ${scope} review (cadence ${cadence})`,
      });
    }
  }

  const today = localDate(now, timeZone);
  const strategicInterval = goals.review_cadence?.strategic
    ? cadenceInterval(goals.review_cadence.strategic)
    : undefined;
  for (const { goal } of walkGoals(goals)) {
    const status = goal.status ?? 'active';
    if (status === 'achieved' || status === 'abandoned') continue;
    const deadline = goalDeadline(goal);
    if (deadline !== undefined) {
      const daysLeft = Math.round(
        (Date.parse(`${deadline}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / day,
      );
      if (daysLeft < 0) {
        due.push({
          scope: 'goal',
          goalId: goal.id,
          kind: 'deadline-passed',
          reason: `goal ${goal.id} was due ${deadline} and is still ${status}`,
        });
        continue;
      }
      if (daysLeft <= deadlineWarningDays) {
        due.push({
          scope: 'goal',
          goalId: goal.id,
          kind: 'deadline-near',
          reason: `goal ${goal.id} is due ${deadline}, in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`,
        });
        continue;
      }
    }
    if (state.goals && strategicInterval !== undefined) {
      const last = toTime(state.goals[goal.id], `state.goals.${goal.id}`);
      if (last === undefined || now.getTime() - last >= strategicInterval) {
        due.push({
          scope: 'goal',
          goalId: goal.id,
          kind: 'stale',
          reason:
            last === undefined
              ? `goal ${goal.id} has never been reviewed`
              : `goal ${goal.id} was last reviewed more than ${describe(strategicInterval)} ago`,
        });
      }
    }
  }
  return due;
}

function toTime(value: Date | string | undefined, argument: string): number | undefined {
  if (value === undefined) return undefined;
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time))
    throw new InvalidArgumentError({ argument, value, message: 'not a valid date' });
  return time;
}

function localDate(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const field = (type: string) => parts.find((part) => part.type === type)!.value;
  return `${field('year')}-${field('month')}-${field('day')}`;
}

function describe(interval: number): string {
  return interval >= day
    ? `${interval / day} day${interval === day ? '' : 's'}`
    : `${interval / 3_600_000} hour${interval === 3_600_000 ? '' : 's'}`;
}
