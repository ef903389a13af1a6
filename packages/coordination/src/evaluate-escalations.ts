import { InvalidArgumentError, parseCost } from '@karnel/core';
import { parseCondition } from './escalation-condition';
import type { Message, MessageOf } from './message-schema';
import { compareMoney, type Money } from './money';
import type { EscalationPath } from './protocol-schema';

/** What a condition is evaluated over. */
export interface ConditionContext {
  /** The escalation path whose condition is evaluated. */
  readonly path: EscalationPath;
  /** The archived messages, oldest first. */
  readonly history: readonly Message[];
  /** The task the evaluation is about, when it is scoped to one. */
  readonly task?: string;
  /** The predicted cost of the work ahead, when known. */
  readonly predictedCost?: Money;
  /** What is left of the budget, when known. */
  readonly remainingBudget?: Money;
}

/** What a condition concluded. */
export interface ConditionResult {
  /** Whether the condition holds. */
  readonly holds: boolean;
  /** Why, in a sentence for the escalation message. */
  readonly reason?: string;
  /** Messages that made it hold. */
  readonly evidence?: readonly string[];
  /** The task it holds for, when it concerns one. */
  readonly task?: string;
}

/**
 * A caller-supplied condition (`strategic_pivot_needed`): returns whether it holds, or a full
 * {@link ConditionResult}. A predicate registered under a built-in name replaces the built-in.
 */
export type ConditionPredicate = (
  context: ConditionContext,
) => boolean | ConditionResult | Promise<boolean | ConditionResult>;

/** A condition that held: the matter goes to `to`. */
export interface EscalationTrigger {
  /** The condition's name. */
  readonly condition: string;
  /** The role to escalate to. */
  readonly to: string;
  /** The 0-based index of the escalation path in the protocol. */
  readonly pathIndex: number;
  /** Why the condition held. */
  readonly reason: string;
  /** Messages that made it hold. */
  readonly evidence: readonly string[];
  /** The task concerned, when there is one. */
  readonly task?: string;
  /** The predicted cost, for `cost_overrun_predicted`. */
  readonly predictedCost?: Money;
  /** The remaining budget, for `cost_overrun_predicted`. */
  readonly remainingBudget?: Money;
}

/** A condition that could not be evaluated, and why. */
export interface UnevaluatedCondition {
  /** The condition's name. */
  readonly condition: string;
  /** The 0-based index of the escalation path. */
  readonly pathIndex: number;
  /** Why it was not evaluated. */
  readonly reason: string;
}

/** Options of {@link evaluateEscalations}. */
export interface EvaluateEscalationsOptions {
  /** The protocol's `escalation_paths`. */
  paths: readonly EscalationPath[];
  /** The archived messages, oldest first. */
  history: readonly Message[];
  /** Only consider this task (a task message id). Default: every task in the history. */
  task?: string;
  /** The predicted cost of the work ahead, for `cost_overrun_predicted`. */
  predictedCost?: Money;
  /** What is left of the budget, for `cost_overrun_predicted`. */
  remainingBudget?: Money;
  /** Predicates of custom conditions, by name. */
  predicates?: Readonly<Record<string, ConditionPredicate>>;
}

/** The result of {@link evaluateEscalations}. */
export interface EscalationEvaluation {
  /** The conditions that hold, in the order of the protocol's paths. */
  readonly triggers: readonly EscalationTrigger[];
  /** Conditions that could not be evaluated (no predicate, no cost figures). */
  readonly unevaluated: readonly UnevaluatedCondition[];
}

/**
 * Evaluates every escalation path's condition:
 *
 * - `cost_overrun_predicted` holds when `predictedCost` exceeds `remainingBudget` (exact decimal
 *   comparison; the currencies must match);
 * - `<role>_rejection_<n>x` holds for a task when `role`'s last `n` review verdicts on it are all
 *   rejections (an approval resets the count, comments are ignored), and the history has no
 *   escalation of the same condition for the task since the last of them;
 * - any other name holds when the predicate registered under it says so.
 *
 * @throws InvalidArgumentError when `predictedCost` and `remainingBudget` use different currencies,
 * or one of them is not an exact cost (a decimal string with at most 12 decimals).
 */
export async function evaluateEscalations(
  options: EvaluateEscalationsOptions,
): Promise<EscalationEvaluation> {
  const { paths, history, task, predictedCost, remainingBudget, predicates = {} } = options;
  if (predictedCost && remainingBudget && predictedCost.currency !== remainingBudget.currency) {
    throw new InvalidArgumentError({
      argument: 'predictedCost',
      value: predictedCost,
      message: `currency ${predictedCost.currency} differs from the remaining budget's ${remainingBudget.currency}`,
    });
  }
  for (const [argument, money] of [
    ['predictedCost', predictedCost],
    ['remainingBudget', remainingBudget],
  ] as const) {
    const parsed = money === undefined ? undefined : parseCost(money.amount);
    if (parsed && !parsed.ok)
      throw new InvalidArgumentError({ argument, value: money, message: parsed.message });
  }
  const triggers: EscalationTrigger[] = [];
  const unevaluated: UnevaluatedCondition[] = [];
  for (const [pathIndex, path] of paths.entries()) {
    const base = { condition: path.condition, to: path.to, pathIndex };
    const predicate = Object.hasOwn(predicates, path.condition)
      ? predicates[path.condition]
      : undefined;
    const parsed = parseCondition(path.condition);
    if (predicate) {
      const context: ConditionContext = { path, history, task, predictedCost, remainingBudget };
      const raw = await predicate(context);
      const result: ConditionResult = typeof raw === 'boolean' ? { holds: raw } : raw;
      if (result.holds) {
        const concerned = result.task ?? task;
        triggers.push({
          ...base,
          reason: result.reason ?? `condition "${path.condition}" holds`,
          evidence: [...(result.evidence ?? [])],
          ...(concerned === undefined ? {} : { task: concerned }),
        });
      }
    } else if (parsed.kind === 'cost-overrun') {
      if (!predictedCost || !remainingBudget) {
        unevaluated.push({ ...base, reason: 'no predicted cost and remaining budget were given' });
      } else if ((compareMoney(predictedCost, remainingBudget) ?? 0) > 0) {
        triggers.push({
          ...base,
          reason: `predicted cost ${predictedCost.amount} ${predictedCost.currency} exceeds the remaining budget of ${remainingBudget.amount} ${remainingBudget.currency}`,
          evidence: [],
          predictedCost,
          remainingBudget,
          ...(task === undefined ? {} : { task }),
        });
      }
    } else if (parsed.kind === 'rejection-streak') {
      for (const streak of rejectionStreaks(
        history,
        parsed.role,
        parsed.count,
        parsed.name,
        task,
      )) {
        triggers.push({
          ...base,
          reason: `"${parsed.role}" rejected task ${streak.task} ${streak.evidence.length} times in a row`,
          evidence: streak.evidence,
          task: streak.task,
        });
      }
    } else {
      unevaluated.push({ ...base, reason: `no predicate is registered for "${path.condition}"` });
    }
  }
  return { triggers, unevaluated };
}

interface Streak {
  task: string;
  evidence: string[];
}

function rejectionStreaks(
  history: readonly Message[],
  role: string,
  count: number,
  condition: string,
  onlyTask: string | undefined,
): Streak[] {
  const streaks = new Map<string, string[]>();
  for (const message of history) {
    if (message.type === 'review' && message.from === role) {
      const task = message.payload.task;
      if (onlyTask !== undefined && task !== onlyTask) continue;
      const current = streaks.get(task) ?? [];
      if (message.payload.verdict === 'reject') current.push(message.id);
      else if (message.payload.verdict === 'approve') current.length = 0;
      streaks.set(task, current);
    } else if (isEscalationOf(message, condition)) {
      // Already escalated: the streak starts again from here.
      streaks.get(message.payload.task!)?.splice(0);
    }
  }
  const result: Streak[] = [];
  for (const [task, rejections] of streaks) {
    if (rejections.length >= count) result.push({ task, evidence: rejections.slice(-count) });
  }
  return result;
}

function isEscalationOf(message: Message, condition: string): message is MessageOf<'escalation'> {
  return (
    message.type === 'escalation' &&
    message.payload.condition === condition &&
    message.payload.task !== undefined
  );
}
