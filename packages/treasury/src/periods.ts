import { InvalidArgumentError } from '@karnel/core';

/** The two budget periods a treasury counts in. */
export type BudgetPeriodKind = 'week' | 'month';

/** A day of the week, as written in `financial.week_starts_on`. */
export type Weekday =
  | 'monday'
  | 'tuesday'
  | 'wednesday'
  | 'thursday'
  | 'friday'
  | 'saturday'
  | 'sunday';

/** The days of the week, Monday first (ISO 8601 order). */
export const WEEKDAYS: readonly Weekday[] = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
];

/** A calendar date in some time zone. */
export interface LocalDate {
  /** Full year. */
  readonly year: number;
  /** Month, 1–12. */
  readonly month: number;
  /** Day of the month, 1–31. */
  readonly day: number;
}

/**
 * One budget period: from local midnight at its start to local midnight at its end, in the
 * treasury's time zone. A week that contains a daylight-saving change is 167 or 169 hours long.
 */
export interface BudgetPeriod {
  /** Week or month. */
  readonly kind: BudgetPeriodKind;
  /** The first instant of the period (inclusive). */
  readonly start: Date;
  /** The first instant of the next period (exclusive). */
  readonly end: Date;
  /** The local date the period starts on, `YYYY-MM-DD`. */
  readonly startDate: string;
  /** A readable name: `2026-05` for a month, `week of 2026-05-04` for a week. */
  readonly label: string;
  /** The IANA time zone the boundaries were computed in. */
  readonly timeZone: string;
}

/** Options of {@link periodContaining}. */
export interface PeriodOptions {
  /** Week or month. */
  kind: BudgetPeriodKind;
  /** IANA time zone whose midnight ends a period. Default `UTC`. */
  timeZone?: string;
  /** The day a week starts on. Default Monday (ISO 8601). */
  weekStartsOn?: Weekday;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
      era: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether the engine knows `timeZone` as an IANA time zone name. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface LocalDateTime extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function localParts(instant: number, timeZone: string): LocalDateTime {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) fields[part.type] = part.value;
  const year = Number(fields.year);
  return {
    year: fields.era === 'BC' || fields.era === 'B' ? 1 - year : year,
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
  };
}

/** The calendar date `instant` falls on in `timeZone`. */
export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const { year, month, day } = localParts(instant.getTime(), requireTimeZone(timeZone));
  return { year, month, day };
}

function dateKey(date: LocalDate): number {
  return date.year * 10_000 + date.month * 100 + date.day;
}

/**
 * The first instant of the local date `date` in `timeZone`: usually local midnight, but the
 * first existing minute after it when a daylight-saving change skips midnight (as in
 * America/Sao_Paulo until 2019).
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  requireTimeZone(timeZone);
  const target = dateKey(date);
  const wallClock = Date.UTC(date.year, date.month - 1, date.day);
  const offsetAt = (instant: number) => {
    const local = localParts(instant, timeZone);
    const asUtc = Date.UTC(
      local.year,
      local.month - 1,
      local.day,
      local.hour,
      local.minute,
      local.second,
    );
    return asUtc - Math.floor(instant / 1000) * 1000;
  };
  // Two rounds settle the offset unless a transition sits right at midnight.
  let candidate = wallClock - offsetAt(wallClock);
  candidate = wallClock - offsetAt(candidate);
  const startsHere = (instant: number) =>
    dateKey(localParts(instant, timeZone)) >= target &&
    dateKey(localParts(instant - 1, timeZone)) < target;
  if (startsHere(candidate)) return new Date(candidate);
  // Otherwise search for the first instant whose local date is not before `date`. Offsets are
  // within ±26 hours, so the answer lies in this window.
  let low = wallClock - 27 * 3_600_000;
  let high = wallClock + 27 * 3_600_000;
  while (high - low > 1) {
    const middle = low + Math.floor((high - low) / 2);
    if (dateKey(localParts(middle, timeZone)) >= target) high = middle;
    else low = middle;
  }
  return new Date(high);
}

function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
  };
}

function formatDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/**
 * The budget period that contains `instant`: the week (from `weekStartsOn`) or the calendar
 * month, with boundaries at local midnight in `timeZone`.
 */
export function periodContaining(
  instant: Date,
  { kind, timeZone = 'UTC', weekStartsOn = 'monday' }: PeriodOptions,
): BudgetPeriod {
  if (Number.isNaN(instant.getTime())) {
    throw new InvalidArgumentError({
      argument: 'instant',
      value: instant,
      message: 'not a valid date',
    });
  }
  const today = localDateOf(instant, timeZone);
  let first: LocalDate;
  let next: LocalDate;
  if (kind === 'month') {
    first = { year: today.year, month: today.month, day: 1 };
    next =
      today.month === 12
        ? { year: today.year + 1, month: 1, day: 1 }
        : { year: today.year, month: today.month + 1, day: 1 };
  } else {
    const startIndex = WEEKDAYS.indexOf(weekStartsOn);
    if (startIndex < 0) {
      throw new InvalidArgumentError({
        argument: 'weekStartsOn',
        value: weekStartsOn,
        message: `expected one of ${WEEKDAYS.join(', ')}`,
      });
    }
    // getUTCDay: 0 = Sunday; shift so that 0 = Monday.
    const weekday =
      (new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay() + 6) % 7;
    first = addDays(today, -((weekday - startIndex + 7) % 7));
    next = addDays(first, 7);
  }
  const startDate = formatDate(first);
  return {
    kind,
    start: startOfLocalDay(first, timeZone),
    end: startOfLocalDay(next, timeZone),
    startDate,
    label: kind === 'month' ? startDate.slice(0, 7) : `week of ${startDate}`,
    timeZone,
  };
}

function requireTimeZone(timeZone: string): string {
  if (!isTimeZone(timeZone)) {
    throw new InvalidArgumentError({
      argument: 'timeZone',
      value: timeZone,
      message: 'not an IANA time zone the engine knows',
    });
  }
  return timeZone;
}
