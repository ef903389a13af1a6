import type { DocumentPath } from '@karnel/core';
import type { Goal, GoalsFile } from './goal-schema';

/** One goal met while walking a tree, with where it sits. */
export interface GoalVisit {
  /** The goal. */
  readonly goal: Goal;
  /** 0 for a top-level goal, 1 for its sub-goals, and so on. */
  readonly depth: number;
  /** The goals above it, outermost first. */
  readonly ancestors: readonly Goal[];
  /** The goal's parent, if it is a sub-goal. */
  readonly parent?: Goal;
  /** The role responsible: its own `owner_role`, or the nearest ancestor's. */
  readonly owner?: string;
  /** Where the goal is in the file (`['active_goals', 0, 'sub_goals', 1]`), for diagnostics. */
  readonly path: DocumentPath;
}

/**
 * Walks a goal tree depth-first, parents before children, in file order. Accepts a whole goals
 * file or a list of goals.
 */
export function* walkGoals(goals: GoalsFile | readonly Goal[]): Generator<GoalVisit> {
  const top = isGoalList(goals) ? goals : goals.active_goals;
  yield* visit(top, [], undefined, ['active_goals']);
}

function* visit(
  goals: readonly Goal[],
  ancestors: readonly Goal[],
  owner: string | undefined,
  base: DocumentPath,
): Generator<GoalVisit> {
  for (const [index, goal] of goals.entries()) {
    const path = [...base, index];
    const effectiveOwner = goal.owner_role ?? owner;
    const parent = ancestors.at(-1);
    yield {
      goal,
      depth: ancestors.length,
      ancestors,
      ...(parent ? { parent } : {}),
      ...(effectiveOwner !== undefined ? { owner: effectiveOwner } : {}),
      path,
    };
    if (goal.sub_goals)
      yield* visit(goal.sub_goals, [...ancestors, goal], effectiveOwner, [...path, 'sub_goals']);
  }
}

function isGoalList(goals: GoalsFile | readonly Goal[]): goals is readonly Goal[] {
  return Array.isArray(goals);
}

/** Finds a goal anywhere in the tree by id. */
export function findGoal(goals: GoalsFile | readonly Goal[], id: string): GoalVisit | undefined {
  for (const visitInfo of walkGoals(goals)) if (visitInfo.goal.id === id) return visitInfo;
  return undefined;
}
