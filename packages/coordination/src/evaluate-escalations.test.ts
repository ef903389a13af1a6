import { createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { createEscalationMessage } from './create-escalation';
import { createMessage } from './create-message';
import { evaluateEscalations } from './evaluate-escalations';
import type { Message, ReviewVerdict } from './message-schema';
import { escalationPathSchema } from './protocol-schema';

const clock = createManualClock('2026-05-03T10:00:00Z');
const paths = [
  { condition: 'cost_overrun_predicted', to: 'human_owner' },
  { condition: 'critic_rejection_3x', to: 'strategist' },
  { condition: 'strategic_pivot_needed', to: 'human_owner' },
].map((path) => escalationPathSchema.parse(path));

function task(title: string) {
  return createMessage({
    type: 'task',
    from: 'strategist',
    to: 'writer',
    clock,
    payload: { title },
  });
}

function review(taskId: string, from: string, verdict: ReviewVerdict): Message {
  clock.advance(1000);
  return createMessage({
    type: 'review',
    from,
    to: 'writer',
    clock,
    payload: { task: taskId, step: 1, action: 'review', verdict, blocking: true },
  });
}

describe('evaluateEscalations', () => {
  it('raises critic_rejection_3x after three consecutive rejections of the same task', async () => {
    const a = task('a');
    const b = task('b');
    const history = [
      a,
      b,
      review(a.id, 'critic', 'reject'),
      review(b.id, 'critic', 'reject'),
      review(a.id, 'critic', 'reject'),
      review(a.id, 'writer', 'approve'),
      review(a.id, 'critic', 'comment'),
      review(a.id, 'critic', 'reject'),
    ];
    const { triggers, unevaluated } = await evaluateEscalations({ paths, history });
    expect(triggers).toEqual([
      {
        condition: 'critic_rejection_3x',
        to: 'strategist',
        pathIndex: 1,
        task: a.id,
        reason: `"critic" rejected task ${a.id} 3 times in a row`,
        evidence: [history[2]!.id, history[4]!.id, history[7]!.id],
      },
    ]);
    expect(unevaluated.map((entry) => entry.condition)).toEqual([
      'cost_overrun_predicted',
      'strategic_pivot_needed',
    ]);
  });

  it('does not count rejections across an approval, nor twice after an escalation', async () => {
    const a = task('a');
    const before = [
      a,
      review(a.id, 'critic', 'reject'),
      review(a.id, 'critic', 'reject'),
      review(a.id, 'critic', 'approve'),
      review(a.id, 'critic', 'reject'),
    ];
    expect((await evaluateEscalations({ paths, history: before })).triggers).toEqual([]);
    const streak = [...before, review(a.id, 'critic', 'reject'), review(a.id, 'critic', 'reject')];
    const { triggers } = await evaluateEscalations({ paths, history: streak });
    expect(triggers).toHaveLength(1);
    const escalation = createEscalationMessage(triggers[0]!, { from: 'critic', clock });
    expect(escalation).toMatchObject({
      type: 'escalation',
      to: 'strategist',
      payload: { condition: 'critic_rejection_3x', task: a.id },
    });
    expect(
      (await evaluateEscalations({ paths, history: [...streak, escalation] })).triggers,
    ).toEqual([]);
  });

  it('scopes to one task when asked', async () => {
    const a = task('a');
    const b = task('b');
    const history = [
      review(a.id, 'critic', 'reject'),
      review(a.id, 'critic', 'reject'),
      review(a.id, 'critic', 'reject'),
    ];
    expect((await evaluateEscalations({ paths, history, task: b.id })).triggers).toEqual([]);
    expect((await evaluateEscalations({ paths, history, task: a.id })).triggers).toHaveLength(1);
  });

  it('raises cost_overrun_predicted only when the prediction exceeds the remaining budget, exactly', async () => {
    const at = (predicted: string, remaining: string) =>
      evaluateEscalations({
        paths,
        history: [],
        predictedCost: { amount: predicted, currency: 'USD' },
        remainingBudget: { amount: remaining, currency: 'USD' },
      });
    expect((await at('37.70', '37.7')).triggers).toEqual([]);
    const { triggers } = await at('37.71', '37.70');
    expect(triggers).toMatchObject([{ condition: 'cost_overrun_predicted', to: 'human_owner' }]);
    expect(
      createEscalationMessage(triggers[0]!, { from: 'strategist', clock }).payload,
    ).toMatchObject({
      predicted_cost: { amount: '37.71', currency: 'USD' },
      remaining_budget: { amount: '37.70', currency: 'USD' },
    });
    await expect(
      evaluateEscalations({
        paths,
        history: [],
        predictedCost: { amount: '1', currency: 'USD' },
        remainingBudget: { amount: '1', currency: 'EUR' },
      }),
    ).rejects.toThrowError(/currency USD differs/);
    await expect(at('1e3', '5')).rejects.toThrowError(/not a decimal amount/);
    // Exact to 12 decimals: no float would tell these apart.
    expect((await at('0.100000000001', '0.1')).triggers).toHaveLength(1);
  });

  it('asks registered predicates for custom conditions, and lets them replace built-ins', async () => {
    const calls: string[] = [];
    const { triggers, unevaluated } = await evaluateEscalations({
      paths,
      history: [],
      predicates: {
        strategic_pivot_needed: ({ path }) => {
          calls.push(path.condition);
          return { holds: true, reason: 'open rate fell for six weeks' };
        },
        cost_overrun_predicted: () => false,
      },
    });
    expect(calls).toEqual(['strategic_pivot_needed']);
    expect(triggers).toMatchObject([
      {
        condition: 'strategic_pivot_needed',
        to: 'human_owner',
        reason: 'open rate fell for six weeks',
      },
    ]);
    expect(unevaluated).toEqual([]);
  });
});
