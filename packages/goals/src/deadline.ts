import { isIsoDate } from '@karnel/core';

/** A deadline found in a goal statement. */
export interface StatementDeadline {
  /** The date, `YYYY-MM-DD`; absent when the written date does not exist (February 30th). */
  readonly date?: string;
  /** The words it was read from (`by 2026-08-01`). */
  readonly text: string;
  /** Where those words start in the statement (0-based). */
  readonly index: number;
}

const months = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const monthName =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const keyword = '\\b(by|before|until|till|due(?:\\s+(?:by|on))?|deadline:?|no later than|on)\\s+';
const isoForm = new RegExp(`${keyword}(\\d{4}-\\d{2}-\\d{2})\\b`, 'i');
const monthDayYear = new RegExp(
  `${keyword}${monthName}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`,
  'i',
);
const dayMonthYear = new RegExp(
  `${keyword}(\\d{1,2})(?:st|nd|rd|th)?\\s+${monthName},?\\s+(\\d{4})\\b`,
  'i',
);

/**
 * Reads the deadline a goal statement gives as a date after "by", "before", "until", "due" or
 * "on": `by 2026-08-01`, `before August 1, 2026`, `by 1 Aug 2026`. Returns `undefined` when the
 * statement names no date; a relative phrase ("by next quarter") is not a date.
 */
export function parseStatementDeadline(statement: string): StatementDeadline | undefined {
  const candidates: StatementDeadline[] = [];
  const iso = isoForm.exec(statement);
  if (iso) candidates.push(build(iso, iso[2]!));
  const mdy = monthDayYear.exec(statement);
  if (mdy) candidates.push(build(mdy, toIso(Number(mdy[4]), monthIndex(mdy[2]!), Number(mdy[3]))));
  const dmy = dayMonthYear.exec(statement);
  if (dmy) candidates.push(build(dmy, toIso(Number(dmy[4]), monthIndex(dmy[3]!), Number(dmy[2]))));
  candidates.sort((a, b) => a.index - b.index);
  return candidates[0];
}

function build(match: RegExpExecArray, date: string): StatementDeadline {
  return isIsoDate(date)
    ? { date, text: match[0], index: match.index }
    : { text: match[0], index: match.index };
}

function monthIndex(name: string): number {
  const lower = name.toLowerCase().replace(/\.$/, '');
  return months.findIndex((month) => month.startsWith(lower.slice(0, 3))) + 1;
}

function toIso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The deadline of a goal: its `deadline` field when given, otherwise a date in its statement.
 */
export function goalDeadline(goal: {
  readonly statement: string;
  readonly deadline?: string | undefined;
}): string | undefined {
  return goal.deadline ?? parseStatementDeadline(goal.statement)?.date;
}
