import { createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { createMessage } from './create-message';
import { createMemoryArchive } from './message-archive';
import type { ReviewVerdict } from './message-schema';
import { reviewChainSchema } from './protocol-schema';
import { runReviewChain } from './review-chain';

const clock = createManualClock('2026-05-03T10:00:00Z');
const chain = reviewChainSchema.parse([
  { actor: 'writer', action: 'draft' },
  { actor: 'critic', action: 'review', blocking: true },
  { actor: 'strategist', action: 'approve_publication', blocking: true },
]);
const task = createMessage({
  type: 'task',
  from: 'strategist',
  to: 'writer',
  clock,
  payload: { title: 'Issue 12' },
  refs: { goals: ['g_quality'] },
});

function verdicts(byActor: Record<string, ReviewVerdict>) {
  const asked: string[] = [];
  return {
    asked,
    review: ({ step }: { step: { actor: string } }) => {
      asked.push(step.actor);
      return {
        verdict: byActor[step.actor] ?? 'approve',
        comments: `${step.actor} says ${byActor[step.actor] ?? 'approve'}`,
      };
    },
  };
}

describe('runReviewChain', () => {
  it('walks every step when all approve, archiving one review message per step', async () => {
    const archive = createMemoryArchive();
    const { asked, review } = verdicts({});
    const result = await runReviewChain({ chain, task, review, archive, clock });
    expect(result.outcome).toBe('approved');
    expect(result.stoppedAt).toBeUndefined();
    expect(asked).toEqual(['writer', 'critic', 'strategist']);
    const archived = await archive.messages();
    expect(archived.map((message) => message.id)).toEqual(
      result.steps.map((step) => step.message.id),
    );
    expect(archived.map((message) => [message.from, message.to])).toEqual([
      ['writer', 'critic'],
      ['critic', 'strategist'],
      ['strategist', 'strategist'],
    ]);
    expect(
      archived.every((message) => message.type === 'review' && message.payload.task === task.id),
    ).toBe(true);
    expect(archived[0]?.refs).toEqual({ goals: ['g_quality'] });
  });

  it('stops at a blocking rejection and names the step; later actors are never asked', async () => {
    const archive = createMemoryArchive();
    const { asked, review } = verdicts({ critic: 'reject' });
    const result = await runReviewChain({ chain, task, review, archive, clock });
    expect(result.outcome).toBe('rejected');
    expect(result.stoppedAt).toEqual({ index: 1, actor: 'critic', action: 'review' });
    expect(asked).toEqual(['writer', 'critic']);
    const archived = await archive.messages();
    expect(archived).toHaveLength(2);
    expect(archived[1]).toMatchObject({
      from: 'critic',
      to: 'strategist',
      payload: { verdict: 'reject', blocking: true, step: 1 },
    });
  });

  it('records a non-blocking rejection and keeps walking', async () => {
    const { asked, review } = verdicts({ writer: 'reject', strategist: 'comment' });
    const result = await runReviewChain({ chain, task, review, clock });
    expect(result.outcome).toBe('approved');
    expect(asked).toEqual(['writer', 'critic', 'strategist']);
    expect(result.rejections.map((rejection) => rejection.step.actor)).toEqual(['writer']);
  });

  it('passes earlier verdicts to later reviewers', async () => {
    const seen: number[] = [];
    await runReviewChain({
      chain,
      task,
      clock,
      review: ({ previous }) => {
        seen.push(previous.length);
        return { verdict: 'approve' };
      },
    });
    expect(seen).toEqual([0, 1, 2]);
  });
});
