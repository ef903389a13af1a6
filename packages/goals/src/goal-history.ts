import { readFile } from 'node:fs/promises';
import { createDiagnostic, type Diagnostic, parseJsonLines, timestampSchema } from '@karnel/core';
import { z } from 'zod';
import { goalStatusSchema } from './goal-schema';

/** One status change, as appended to `goals/history.jsonl`. */
export const goalStatusChangeSchema = z.strictObject({
  /** When the change was made (RFC 3339). */
  at: timestampSchema,
  /** The goal's id. */
  goal: z.string().min(1),
  /** The status before. */
  from: goalStatusSchema,
  /** The status after. */
  to: goalStatusSchema,
  /** Why; required, since a status change nobody can explain later is worthless. */
  reason: z.string().min(1),
  /** For a change to `blocked`: what blocks it. */
  blocker: z.string().optional(),
  /** Who made the change (a role, an agent id, a person). */
  actor: z.string().optional(),
});

/** One status change. */
export type GoalStatusChange = z.infer<typeof goalStatusChangeSchema>;

/** The history file's name, next to `current.yaml`. */
export const GOAL_HISTORY_FILE = 'history.jsonl';

/** A goal history file, read: the changes that parsed, and what was wrong with the rest. */
export interface GoalHistory {
  /** The status changes that parsed, oldest first (the file's order). */
  readonly changes: GoalStatusChange[];
  /** Unreadable file, malformed lines (errors) and a torn last line (a warning). */
  readonly diagnostics: Diagnostic[];
}

/**
 * Reads a goal history file. A missing file is an empty history; malformed lines become
 * diagnostics at their line, and an unfinished last line (a crash mid-append) a warning.
 */
export async function readGoalHistory(
  path: string,
  { displayPath = path }: { displayPath?: string } = {},
): Promise<GoalHistory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { changes: [], diagnostics: [] };
    return {
      changes: [],
      diagnostics: [
        createDiagnostic({
          file: displayPath,
          code: 'file/unreadable',
          message: `cannot read file (${(error as NodeJS.ErrnoException).code})`,
        }),
      ],
    };
  }
  const parsed = parseJsonLines(text, displayPath);
  const diagnostics: Diagnostic[] = parsed.diagnostics.map((diagnostic) =>
    diagnostic.code === 'jsonl/torn-line' ? { ...diagnostic, severity: 'warning' } : diagnostic,
  );
  const changes: GoalStatusChange[] = [];
  for (const line of parsed.records) {
    const result = goalStatusChangeSchema.safeParse(line.value);
    if (result.success) {
      changes.push(result.data);
      continue;
    }
    const issue = result.error.issues[0]!;
    diagnostics.push(
      createDiagnostic({
        file: displayPath,
        line: line.line,
        code: 'goals/invalid-history',
        message: `invalid status change (${issue.path.join('.') || 'line'}: ${issue.message})`,
      }),
    );
  }
  return { changes, diagnostics };
}
