import {
  closestMatch,
  createDiagnostic,
  type Diagnostic,
  type DocumentPath,
  type SourceDocument,
} from '@karnel/core';
import { parseStatementDeadline } from './deadline';
import type { GoalsFile } from './goal-schema';
import { walkGoals } from './walk-goals';

/**
 * Conditions a blocker may name without declaring them: the usual reasons a goal waits that are
 * not another goal.
 */
export const KNOWN_BLOCKER_CONDITIONS: readonly string[] = [
  'owner_decision_pending',
  'approval_pending',
  'budget_exhausted',
  'external_dependency',
];

/** Options of {@link validateGoals}. */
export interface ValidateGoalsOptions {
  /**
   * The member roles of the group. When given, every `owner_role` must be one of them.
   * Default: not checked (a standalone agent has no roles).
   */
  roles?: readonly string[];
  /**
   * Further conditions a blocker may name, e.g. the group's escalation conditions. The built-in
   * {@link KNOWN_BLOCKER_CONDITIONS} and the file's own `conditions` are always accepted.
   */
  conditions?: readonly string[];
  /** The parsed file, so diagnostics point at lines; without it they point at 1:1 of `file`. */
  document?: SourceDocument;
  /** The file name for diagnostics when no document is given. Default `goals/current.yaml`. */
  file?: string;
}

const identifierLike = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Checks what a schema cannot: ids unique across the whole tree, owner roles that are members,
 * blocked goals with a blocker that names a goal or a known condition (and no cycles of
 * blockers), deadlines that exist and agree, metrics that can measure progress.
 */
export function validateGoals(goals: GoalsFile, options: ValidateGoalsOptions = {}): Diagnostic[] {
  const {
    roles,
    conditions = [],
    document,
    file = document?.file ?? 'goals/current.yaml',
  } = options;
  const diagnostics: Diagnostic[] = [];
  const at = (
    path: DocumentPath,
    details: {
      code: string;
      message: string;
      hint?: string | undefined;
      severity?: 'error' | 'warning' | 'info';
    },
    key = false,
  ) => {
    const { hint, ...rest } = details;
    diagnostics.push(
      createDiagnostic({
        file,
        ...(document ? document.position(path, { key }) : {}),
        ...rest,
        ...(hint ? { hint } : {}),
      }),
    );
  };

  const visits = [...walkGoals(goals)];
  const firstSeen = new Map<string, DocumentPath>();
  for (const { goal, path } of visits) {
    const earlier = firstSeen.get(goal.id);
    if (earlier) {
      const where = document ? ` (line ${document.position([...earlier, 'id']).line})` : '';
      at([...path, 'id'], {
        code: 'goals/duplicate-id',
        message: `goal id "${goal.id}" is already used${where}; ids are unique across the tree`,
      });
    } else {
      firstSeen.set(goal.id, path);
    }
  }
  const byId = new Map(visits.map((visit) => [visit.goal.id, visit]));
  const knownConditions = [...KNOWN_BLOCKER_CONDITIONS, ...(goals.conditions ?? []), ...conditions];

  for (const { goal, path, parent } of visits) {
    if (roles && goal.owner_role !== undefined && !roles.includes(goal.owner_role)) {
      const suggestion = closestMatch(goal.owner_role, roles);
      at([...path, 'owner_role'], {
        code: 'goals/unknown-owner-role',
        message: `goal ${goal.id} is owned by "${goal.owner_role}", which is not a member role (roles: ${roles.join(', ') || 'none'})`,
        hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
      });
    }

    const status = goal.status ?? 'active';
    if (status === 'blocked' && goal.blocker === undefined) {
      at([...path, 'status'], {
        code: 'goals/missing-blocker',
        message: `goal ${goal.id} is blocked but says nothing about what blocks it; add a blocker (a goal id or a condition)`,
      });
    }
    if (goal.blocker !== undefined) {
      const blockerPath = [...path, 'blocker'];
      if (status !== 'blocked') {
        at(blockerPath, {
          severity: 'warning',
          code: 'goals/stale-blocker',
          message: `goal ${goal.id} is ${status} but still names a blocker; remove it or set status: blocked`,
        });
      }
      if (goal.blocker === goal.id) {
        at(blockerPath, {
          code: 'goals/self-blocker',
          message: `goal ${goal.id} names itself as its blocker`,
        });
      } else if (byId.has(goal.blocker)) {
        const blocking = byId.get(goal.blocker)!.goal;
        const blockingStatus = blocking.status ?? 'active';
        if (
          status === 'blocked' &&
          (blockingStatus === 'achieved' || blockingStatus === 'abandoned')
        ) {
          at(blockerPath, {
            severity: 'warning',
            code: 'goals/blocker-resolved',
            message: `goal ${goal.id} waits on ${blocking.id}, which is already ${blockingStatus}`,
          });
        }
      } else if (!knownConditions.includes(goal.blocker)) {
        if (identifierLike.test(goal.blocker)) {
          const suggestion = closestMatch(goal.blocker, [...byId.keys(), ...knownConditions]);
          at(blockerPath, {
            code: 'goals/unknown-blocker',
            message: `blocker "${goal.blocker}" of goal ${goal.id} names no goal and no known condition`,
            hint: suggestion
              ? `did you mean "${suggestion}"?`
              : 'name a goal id, one of the conditions listed in `conditions:`, or a built-in condition',
          });
        } else {
          at(blockerPath, {
            severity: 'warning',
            code: 'goals/free-text-blocker',
            message: `blocker of goal ${goal.id} is free text; name a goal id or a condition so reviews can track it`,
          });
        }
      }
    }

    const written = parseStatementDeadline(goal.statement);
    if (written && written.date === undefined) {
      at([...path, 'statement'], {
        severity: 'warning',
        code: 'goals/invalid-deadline',
        message: `the statement of goal ${goal.id} gives a date that does not exist ("${written.text}")`,
      });
    }
    if (
      goal.deadline !== undefined &&
      written?.date !== undefined &&
      written.date !== goal.deadline
    ) {
      at([...path, 'deadline'], {
        severity: 'warning',
        code: 'goals/deadline-mismatch',
        message: `goal ${goal.id} has deadline ${goal.deadline}, but its statement says ${written.date}; the deadline field wins`,
      });
    }
    const deadline = goal.deadline ?? written?.date;
    const parentDeadline = parent
      ? (parent.deadline ?? parseStatementDeadline(parent.statement)?.date)
      : undefined;
    if (deadline !== undefined && parentDeadline !== undefined && deadline > parentDeadline) {
      at([...path, goal.deadline !== undefined ? 'deadline' : 'statement'], {
        severity: 'warning',
        code: 'goals/deadline-after-parent',
        message: `goal ${goal.id} is due ${deadline}, after its parent ${parent!.id} (${parentDeadline})`,
      });
    }

    for (const [index, metric] of (goal.metrics ?? []).entries()) {
      if (typeof metric === 'string') continue;
      const baseline = metric.baseline ?? 0;
      if (metric.target !== undefined && metric.target === baseline) {
        at([...path, 'metrics', index, 'target'], {
          severity: 'warning',
          code: 'goals/metric-no-range',
          message: `metric ${metric.name} of goal ${goal.id} has its target equal to its baseline (${baseline}), so progress cannot be measured`,
        });
      }
    }
  }

  // Cycles of blockers (a waits on b, b waits on a) can never resolve.
  const reported = new Set<string>();
  for (const { goal, path } of visits) {
    if (goal.blocker === goal.id) continue;
    const chain: string[] = [goal.id];
    let current = goal;
    while (
      current.blocker !== undefined &&
      byId.has(current.blocker) &&
      (current.status ?? 'active') === 'blocked'
    ) {
      if (current.blocker === goal.id) {
        const members = [...chain].sort().join(',');
        if (!reported.has(members)) {
          reported.add(members);
          at([...path, 'blocker'], {
            code: 'goals/blocker-cycle',
            message: `blockers form a cycle: ${[...chain, goal.id].join(' → ')}`,
          });
        }
        break;
      }
      if (chain.includes(current.blocker) || current.blocker === current.id) break;
      chain.push(current.blocker);
      current = byId.get(current.blocker)!.goal;
    }
  }
  return diagnostics;
}
