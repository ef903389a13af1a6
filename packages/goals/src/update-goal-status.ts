import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  appendFileDurable,
  type Clock,
  closestMatch,
  InvalidArgumentError,
  parseYaml,
  readFileInside,
  systemClock,
  ValidationError,
  validateDocument,
  withFileLock,
  writeFileAtomic,
} from '@karnel/core';
import { editMappingText } from './edit-in-place';
import { GoalNotFoundError } from './errors';
import { GOAL_HISTORY_FILE, type GoalStatusChange } from './goal-history';
import { GOAL_STATUSES, type GoalStatus, goalsFileSchema } from './goal-schema';
import { validateGoals } from './validate-goals';
import { findGoal, walkGoals } from './walk-goals';

/** Options of {@link updateGoalStatus}. */
export interface UpdateGoalStatusOptions {
  /** Where the change's time comes from. Default: the system clock. */
  clock?: Clock;
  /** What blocks the goal; required when the new status is `blocked`. */
  blocker?: string;
  /** Who makes the change, recorded in the history. */
  actor?: string;
  /** Further conditions a blocker may name (see `validateGoals`). */
  conditions?: readonly string[];
  /** The history file. Default: `history.jsonl` next to the goals file. */
  historyPath?: string;
  /** How long to wait for another writer's lock. Default 10 000 ms. */
  lockTimeoutMs?: number;
  /**
   * The folder the goals file must really be inside (the group's root): a goals file that a
   * symbolic link leads out of it is neither read nor rewritten, the call throws an
   * `OutsideRootError` (`@karnel/core`). Default: none.
   */
  root?: string;
}

/** The result of {@link updateGoalStatus}. */
export interface GoalStatusUpdate {
  /** Whether anything changed; setting the status a goal already has changes nothing. */
  readonly changed: boolean;
  /** The recorded change, when there was one. */
  readonly change?: GoalStatusChange;
}

/**
 * Sets a goal's status and records why. The goals file is edited in place (comments, order and
 * quoting of everything else are kept) and replaced atomically; the change, with its reason, is
 * first appended durably to the history file. Both happen under a lock on the goals file, so
 * concurrent updates never lose each other.
 *
 * Moving to `blocked` needs `options.blocker` (a goal id or a known condition); moving away
 * from `blocked` removes the blocker. Throws {@link GoalNotFoundError} for an unknown id,
 * `ValidationError` when the file is not a valid goals file, and `InvalidArgumentError` for a
 * missing reason or an invalid blocker.
 */
export async function updateGoalStatus(
  path: string,
  id: string,
  status: GoalStatus,
  reason: string,
  {
    clock = systemClock,
    blocker,
    actor,
    conditions,
    historyPath = join(dirname(path), GOAL_HISTORY_FILE),
    lockTimeoutMs = 10_000,
    root,
  }: UpdateGoalStatusOptions = {},
): Promise<GoalStatusUpdate> {
  if (!(GOAL_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidArgumentError({
      argument: 'status',
      value: status,
      message: `expected one of ${GOAL_STATUSES.join(', ')}`,
    });
  }
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'reason',
      value: reason,
      message: 'say why the status changes',
    });
  }
  if (status === 'blocked' && (blocker === undefined || blocker.trim() === '')) {
    throw new InvalidArgumentError({
      argument: 'blocker',
      value: blocker,
      message: 'a blocked goal needs a blocker (a goal id or a condition)',
    });
  }
  return withFileLock(
    `${path}.lock`,
    async () => {
      const text =
        root === undefined
          ? await readFile(path, 'utf8')
          : (await readFileInside(root, path)).toString('utf8');
      const { value, diagnostics } = validateDocument(goalsFileSchema, parseYaml(text, path));
      if (!value) throw new ValidationError({ diagnostics });
      const found = findGoal(value, id);
      if (!found) {
        const ids = [...walkGoals(value)].map((visit) => visit.goal.id);
        throw new GoalNotFoundError({ goalId: id, path, suggestion: closestMatch(id, ids) });
      }
      const from = found.goal.status ?? 'active';
      const newBlocker = status === 'blocked' ? blocker!.trim() : undefined;
      if (from === status && found.goal.blocker === newBlocker) return { changed: false };

      // Check the blocker against the tree as it will be.
      const updated = structuredClone(value);
      const target = findGoal(updated, id)!.goal as { status?: GoalStatus; blocker?: string };
      target.status = status;
      if (newBlocker === undefined) delete target.blocker;
      else target.blocker = newBlocker;
      const problems = validateGoals(updated, {
        ...(conditions ? { conditions } : {}),
        file: path,
      }).filter(
        (diagnostic) =>
          diagnostic.severity === 'error' &&
          ['goals/unknown-blocker', 'goals/self-blocker', 'goals/blocker-cycle'].includes(
            diagnostic.code,
          ) &&
          diagnostic.message.includes(id),
      );
      if (problems.length > 0) {
        throw new InvalidArgumentError({
          argument: 'blocker',
          value: blocker,
          message: problems[0]!.message,
        });
      }

      const edited = editMappingText(text, found.path, [
        { key: 'status', value: status, after: ['owner_role', 'statement', 'id'] },
        { key: 'blocker', value: newBlocker, after: ['status'] },
      ]);

      const change: GoalStatusChange = {
        at: clock.now().toISOString(),
        goal: id,
        from,
        to: status,
        reason: reason.trim(),
        ...(newBlocker !== undefined ? { blocker: newBlocker } : {}),
        ...(actor !== undefined ? { actor } : {}),
      };
      // History first: a crash between the two leaves a recorded reason for a change the file
      // does not show yet (reported by validateGoalsDir), never a change nobody explained.
      await appendFileDurable(
        historyPath,
        `${JSON.stringify(change)}\n`,
        root === undefined ? {} : { root },
      );
      await writeFileAtomic(path, edited);
      return { changed: true, change };
    },
    { timeoutMs: lockTimeoutMs },
  );
}
