/**
 * Every diagnostic code `@karnel/goals` reports with a fixed name. Programs can switch on them;
 * they only ever grow.
 */
export const GOALS_DIAGNOSTIC_CODES = [
  'goals/blocker-cycle',
  'goals/blocker-resolved',
  'goals/deadline-after-parent',
  'goals/deadline-mismatch',
  'goals/duplicate-id',
  'goals/free-text-blocker',
  'goals/history-mismatch',
  'goals/invalid-deadline',
  'goals/invalid-history',
  'goals/metric-no-range',
  'goals/missing-blocker',
  'goals/self-blocker',
  'goals/stale-blocker',
  'goals/unknown-blocker',
  'goals/unknown-owner-role',
] as const;

/**
 * A diagnostic code of `@karnel/goals`: one of {@link GOALS_DIAGNOSTIC_CODES}, or one of the
 * families `@karnel/core` names after what it found while reading the file — `schema/<zod
 * issue>`, `yaml/<parser error>` and `file/<problem>`.
 */
export type GoalsDiagnosticCode =
  | (typeof GOALS_DIAGNOSTIC_CODES)[number]
  | `schema/${string}`
  | `yaml/${string}`
  | `file/${string}`;

const fixed: ReadonlySet<string> = new Set(GOALS_DIAGNOSTIC_CODES);
const families = /^(schema|yaml|file)\/[a-z0-9-]+$/;

/** Whether `code` is a {@link GoalsDiagnosticCode}. */
export function isGoalsDiagnosticCode(code: string): code is GoalsDiagnosticCode {
  return fixed.has(code) || families.test(code);
}
