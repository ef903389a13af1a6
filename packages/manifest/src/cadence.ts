import { Cron } from 'croner';

const hour = 3_600_000;
const day = 24 * hour;

/**
 * The clock cadences and how long each lasts: the member is due when that long has passed since
 * its last run, or when it has never run.
 */
export const INTERVAL_CADENCES = {
  /** Every hour. */
  hourly: hour,
  /** Every day (24 hours). */
  daily: day,
  /** Every week (7 days). */
  weekly: 7 * day,
  /** Every two weeks (14 days). */
  biweekly: 14 * day,
  /** Every month, counted as 30 days. */
  monthly: 30 * day,
  /** Every quarter, counted as 91 days. */
  quarterly: 91 * day,
} as const;

/**
 * The event cadences: the member never wakes on a clock, only when something is addressed to it
 * (a message, a review request, an escalation) or someone asks (`on_demand`).
 */
export const EVENT_CADENCES = [
  'on_demand',
  'on_escalation',
  'per_run',
  'per_publication',
  'per_pull_request',
] as const;

/** One of the names of {@link INTERVAL_CADENCES}. */
export type IntervalCadenceName = keyof typeof INTERVAL_CADENCES;

/** One of {@link EVENT_CADENCES}. */
export type EventCadenceName = (typeof EVENT_CADENCES)[number];

/** One part of a cadence (`daily`, `0 8 * * 1`, `on_escalation`). */
export type CadencePart =
  | {
      /** A fixed interval since the last run. */
      readonly kind: 'interval';
      /** The cadence's name. */
      readonly name: IntervalCadenceName;
      /** The interval in milliseconds. */
      readonly intervalMs: number;
    }
  | {
      /** A cron expression (five to seven fields, or a nickname such as `@daily`), read by croner. */
      readonly kind: 'cron';
      /** The expression as written. */
      readonly expression: string;
    }
  | {
      /** Woken only by events addressed to the member, never by the clock. */
      readonly kind: 'event';
      /** The cadence's name. */
      readonly name: EventCadenceName;
    };

/** A parsed cadence: one or more parts joined with `+` (`weekly + on_escalation`). */
export interface Cadence {
  /** The cadence as written. */
  readonly text: string;
  /** Its parts, in written order. */
  readonly parts: readonly CadencePart[];
}

/** The result of {@link parseCadence}. */
export type ParseCadenceResult =
  | {
      /** The cadence is understood. */
      readonly ok: true;
      /** The parsed cadence. */
      readonly cadence: Cadence;
    }
  | {
      /** The cadence is not understood. */
      readonly ok: false;
      /** Why, one sentence naming the part and what is accepted. */
      readonly message: string;
    };

const intervalNames = Object.keys(INTERVAL_CADENCES) as IntervalCadenceName[];
const eventNames: readonly string[] = EVENT_CADENCES;
const accepted = `${[...intervalNames, ...EVENT_CADENCES].join(', ')}, or a cron expression such as "0 8 * * 1"`;

function isIntervalName(text: string): text is IntervalCadenceName {
  return Object.hasOwn(INTERVAL_CADENCES, text);
}

/**
 * Reads a member cadence: a named cadence (`daily`, `weekly`, `per_publication`, `on_demand` …),
 * a cron expression (croner's syntax: five to seven fields, or `@hourly`, `@daily` …), or
 * several of these joined with `+`. Never throws: an unknown cadence is a result with a message.
 */
export function parseCadence(text: string): ParseCadenceResult {
  const pieces = text.split('+').map((piece) => piece.trim());
  const parts: CadencePart[] = [];
  for (const piece of pieces) {
    if (piece === '') {
      return { ok: false, message: `cadence "${text}" has an empty part; expected ${accepted}` };
    }
    if (isIntervalName(piece)) {
      parts.push({ kind: 'interval', name: piece, intervalMs: INTERVAL_CADENCES[piece] });
      continue;
    }
    if (eventNames.includes(piece)) {
      parts.push({ kind: 'event', name: piece as EventCadenceName });
      continue;
    }
    if (/\s/.test(piece) || piece.startsWith('@')) {
      const problem = cronProblem(piece);
      if (problem === undefined) {
        parts.push({ kind: 'cron', expression: piece });
        continue;
      }
      return { ok: false, message: `cadence "${text}": ${problem}` };
    }
    return {
      ok: false,
      message: `unknown cadence "${piece}"${suggest(piece)}; expected ${accepted}`,
    };
  }
  return { ok: true, cadence: { text, parts } };
}

function cronProblem(expression: string): string | undefined {
  try {
    const cron = new Cron(expression, { paused: true, timezone: 'UTC' });
    // "0 0 30 2 *" parses but never fires: as useless as a typo.
    if (cron.nextRun(new Date(0)) === null) return `cron expression "${expression}" never fires`;
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `not a valid cron expression (${message.replace(/^CronPattern: /, '')})`;
  }
}

function suggest(piece: string): string {
  const lower = piece.toLowerCase().replace(/[\s-]+/g, '_');
  const known = [...intervalNames, ...EVENT_CADENCES];
  const match = known.find((name) => name === lower || distance(name, lower) <= 2);
  return match ? ` (did you mean "${match}"?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** Options of {@link nextCadenceTime}. */
export interface NextCadenceTimeOptions {
  /** The time zone cron expressions are read in. Default `UTC`. */
  readonly timeZone?: string;
}

/**
 * When a member with `cadence` is next due on the clock, given when it last ran (`since`; for a
 * member that never ran, pass when it joined, or `undefined` to make interval cadences due at
 * once). Returns the earliest time over the clock parts, or `undefined` when no part is on a
 * clock (event cadences). A time at or before now means the member is due.
 */
export function nextCadenceTime(
  cadence: Cadence,
  since: Date | undefined,
  { timeZone = 'UTC' }: NextCadenceTimeOptions = {},
): Date | undefined {
  let earliest: number | undefined;
  for (const part of cadence.parts) {
    let at: number | undefined;
    if (part.kind === 'interval') {
      at = since === undefined ? Number.NEGATIVE_INFINITY : since.getTime() + part.intervalMs;
    } else if (part.kind === 'cron') {
      if (since === undefined) continue;
      const next = new Cron(part.expression, { paused: true, timezone: timeZone }).nextRun(since);
      at = next === null ? undefined : next.getTime();
    }
    if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
  }
  if (earliest === undefined) return undefined;
  return new Date(Number.isFinite(earliest) ? earliest : 0);
}
