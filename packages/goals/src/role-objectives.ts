import type { Goal, GoalsFile } from './goal-schema';
import { walkGoals } from './walk-goals';

/** Options of {@link deriveRoleObjectives}. */
export interface DeriveRoleObjectivesOptions {
  /** Keep achieved and abandoned goals. Default `false`: objectives are what is still open. */
  includeClosed?: boolean;
}

/**
 * Derives a member's role-specific objectives from the group's goal tree: every goal the role
 * owns (its own `owner_role`, or inherited from the nearest ancestor that has one), keeping the
 * tree shape among them. A goal whose parent the role does not own becomes a top-level
 * objective with `supports` naming that parent, so the member sees what its work serves. Ids
 * are kept, so a status change maps straight back to the group's file.
 */
export function deriveRoleObjectives(
  groupGoals: GoalsFile,
  role: string,
  { includeClosed = false }: DeriveRoleObjectivesOptions = {},
): GoalsFile {
  const owned = new Set<string>();
  for (const { goal, owner } of walkGoals(groupGoals)) {
    const open = goal.status !== 'achieved' && goal.status !== 'abandoned';
    if (owner === role && (includeClosed || open)) owned.add(goal.id);
  }
  // Returns the goal's objectives: those nested under an owned parent, and those promoted to
  // the top level because their parent is not the role's.
  const collect = (goal: Goal, parent: Goal | undefined): { nested: Goal[]; promoted: Goal[] } => {
    const children = (goal.sub_goals ?? []).map((child) => collect(child, goal));
    const promoted = children.flatMap((child) => child.promoted);
    if (!owned.has(goal.id)) return { nested: [], promoted };
    const { sub_goals: _subGoals, supports: _supports, ...fields } = goal;
    const nested = children.flatMap((child) => child.nested);
    const parentOwned = parent !== undefined && owned.has(parent.id);
    const objective: Goal = {
      ...fields,
      ...(nested.length > 0 ? { sub_goals: nested } : {}),
      ...(parent !== undefined && !parentOwned ? { supports: parent.id } : {}),
    };
    return parentOwned
      ? { nested: [objective], promoted }
      : { nested: [], promoted: [objective, ...promoted] };
  };
  return {
    ...(groupGoals.mission !== undefined ? { mission: groupGoals.mission } : {}),
    active_goals: groupGoals.active_goals.flatMap((goal) => collect(goal, undefined).promoted),
    ...(groupGoals.review_cadence ? { review_cadence: groupGoals.review_cadence } : {}),
    ...(groupGoals.conditions ? { conditions: groupGoals.conditions } : {}),
  };
}

/** The goals a member works to, and where they came from. */
export interface EffectiveGoals {
  /** The goals. */
  readonly goals: GoalsFile;
  /** `group` when derived from the group's tree, `member` for a standalone agent's own file. */
  readonly source: 'group' | 'member';
  /** Ids of the member's own goals that the group's tree superseded. */
  readonly superseded: readonly string[];
}

/**
 * Resolves which goals a member works to. A group's tree supersedes the member's own file: the
 * member gets the objectives derived for its role, plus those of its own top-level goals that
 * declare `supports` naming one of them (refinements of the group's goals); the rest of its
 * file is superseded. Without a group tree, the member's own goals stand.
 */
export function effectiveGoals({
  group,
  member,
  role,
}: {
  group?: GoalsFile;
  member?: GoalsFile;
  role: string;
}): EffectiveGoals {
  if (!group) return { goals: member ?? { active_goals: [] }, source: 'member', superseded: [] };
  const derived = deriveRoleObjectives(group, role);
  const derivedIds = new Set([...walkGoals(derived)].map((visit) => visit.goal.id));
  const refinements: Goal[] = [];
  const superseded: string[] = [];
  for (const goal of member?.active_goals ?? []) {
    if (goal.supports !== undefined && derivedIds.has(goal.supports) && !derivedIds.has(goal.id))
      refinements.push(goal);
    else superseded.push(goal.id);
  }
  return {
    goals: { ...derived, active_goals: [...derived.active_goals, ...refinements] },
    source: 'group',
    superseded,
  };
}
