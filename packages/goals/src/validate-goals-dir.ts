import { join } from 'node:path';
import { createDiagnostic, type Diagnostic, sortDiagnostics } from '@karnel/core';
import { GOAL_HISTORY_FILE, readGoalHistory } from './goal-history';
import { loadGoals } from './load-goals';
import type { ValidateGoalsOptions } from './validate-goals';
import { walkGoals } from './walk-goals';

/** The goals file's name inside a goals folder. */
export const GOALS_FILE = 'current.yaml';

/** Options of {@link validateGoalsDir}. */
export interface ValidateGoalsDirOptions
  extends Pick<ValidateGoalsOptions, 'roles' | 'conditions'> {
  /** How to show the folder in diagnostics. Default: the folder path as given. */
  displayPath?: string;
}

/**
 * Validates a goals folder: `current.yaml` (schema and tree checks, owner roles against
 * `roles`) and, when present, `history.jsonl` (each line a well-formed status change, and the
 * last change of each goal agreeing with the status in `current.yaml`). Never throws for a
 * mistake in the files.
 */
export async function validateGoalsDir(
  dir: string,
  { displayPath = dir, roles, conditions }: ValidateGoalsDirOptions = {},
): Promise<Diagnostic[]> {
  const file = join(displayPath, GOALS_FILE);
  const loaded = await loadGoals(join(dir, GOALS_FILE), {
    displayPath: file,
    ...(roles ? { roles } : {}),
    ...(conditions ? { conditions } : {}),
  });
  const history = await readGoalHistory(join(dir, GOAL_HISTORY_FILE), {
    displayPath: join(displayPath, GOAL_HISTORY_FILE),
  });
  const diagnostics = [...loaded.diagnostics, ...history.diagnostics];
  if (loaded.goals) {
    const last = new Map<string, string>();
    for (const change of history.changes) last.set(change.goal, change.to);
    const visits = new Map([...walkGoals(loaded.goals)].map((visit) => [visit.goal.id, visit]));
    for (const [id, status] of last) {
      const visit = visits.get(id);
      if (!visit) continue;
      const current = visit.goal.status ?? 'active';
      if (current !== status) {
        diagnostics.push(
          createDiagnostic({
            file,
            ...loaded.document.position([...visit.path, 'status']),
            severity: 'warning',
            code: 'goals/history-mismatch',
            message: `goal ${id} is ${current} here, but its last recorded change set it to ${status}; change statuses with a reason (updateGoalStatus) so the history stays true`,
          }),
        );
      }
    }
  }
  return sortDiagnostics(diagnostics);
}
