import type { Goal, GoalsFile, MetricObject } from './goal-schema';

/** The measured progress of one goal. */
export interface GoalProgress {
  /** The goal's id. */
  readonly id: string;
  /** Fraction done, 0–1; `undefined` when nothing measures it. */
  readonly progress: number | undefined;
  /**
   * Where the figure comes from: `status` (achieved is 1), `metrics` (its own metrics with
   * target and current), `sub_goals` (the mean of its open and achieved sub-goals), or `none`.
   */
  readonly source: 'status' | 'metrics' | 'sub_goals' | 'none';
}

/**
 * The progress of one metric: `(current − baseline) / (target − baseline)` clamped to 0–1, or
 * `undefined` when it lacks a target or a current value, or when target equals baseline.
 */
export function metricProgress(metric: MetricObject): number | undefined {
  if (metric.target === undefined || metric.current === undefined) return undefined;
  const baseline = metric.baseline ?? 0;
  if (metric.target === baseline) return undefined;
  const fraction = (metric.current - baseline) / (metric.target - baseline);
  return Math.min(1, Math.max(0, fraction));
}

/**
 * Rolls progress up the tree. An achieved goal counts as 1. Otherwise a goal's own measurable
 * metrics decide (their mean), because they measure the goal itself; a goal without them takes
 * the mean of its sub-goals, leaving out abandoned ones and those nothing measures.
 */
export function rollUpProgress(goals: GoalsFile | readonly Goal[]): Map<string, GoalProgress> {
  const results = new Map<string, GoalProgress>();
  const top = Array.isArray(goals) ? (goals as readonly Goal[]) : (goals as GoalsFile).active_goals;
  const visit = (goal: Goal): GoalProgress => {
    const children = (goal.sub_goals ?? []).map(visit);
    let result: GoalProgress;
    if (goal.status === 'achieved') {
      result = { id: goal.id, progress: 1, source: 'status' };
    } else {
      const measured = (goal.metrics ?? [])
        .map((metric) => (typeof metric === 'string' ? undefined : metricProgress(metric)))
        .filter((value): value is number => value !== undefined);
      if (measured.length > 0) {
        result = { id: goal.id, progress: mean(measured), source: 'metrics' };
      } else {
        const counted = (goal.sub_goals ?? [])
          .map((child, index) => ({ child, progress: children[index]!.progress }))
          .filter(({ child, progress }) => child.status !== 'abandoned' && progress !== undefined)
          .map(({ progress }) => progress!);
        result =
          counted.length > 0
            ? { id: goal.id, progress: mean(counted), source: 'sub_goals' }
            : { id: goal.id, progress: undefined, source: 'none' };
      }
    }
    results.set(goal.id, result);
    return result;
  };
  top.forEach(visit);
  return results;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
