import { createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { createCoordinator } from './coordinator';
import { RoutingError } from './errors';
import { createMemoryArchive } from './message-archive';
import { protocolSchema } from './protocol-schema';

const roles = ['strategist', 'researcher', 'writer', 'critic', 'human_owner'];

function protocol(
  archival: 'all_messages_to_ledger' | 'decisions_only' | 'none' = 'all_messages_to_ledger',
) {
  return protocolSchema.parse({
    coordination_type: 'hierarchical',
    hierarchical: {
      decision_authority: 'strategist',
      task_dispatch: [
        { source: 'strategist', targets: ['researcher', 'writer'], mode: 'directive' },
      ],
      review_chain: [
        { actor: 'writer', action: 'draft' },
        { actor: 'critic', action: 'review', blocking: true },
      ],
    },
    escalation_paths: [{ condition: 'critic_rejection_3x', to: 'strategist' }],
    communication: { archival },
  });
}

describe('createCoordinator', () => {
  it('dispatches along rules and refuses the rest with a RoutingError', async () => {
    const coordinator = createCoordinator({
      protocol: protocol(),
      roles,
      clock: createManualClock('2026-05-03T10:00:00Z'),
    });
    const task = await coordinator.dispatch({
      from: 'strategist',
      to: 'writer',
      payload: { title: 'Issue 12' },
    });
    expect(task.payload.mode).toBe('directive');
    const refused = coordinator.dispatch({
      from: 'writer',
      to: 'strategist',
      payload: { title: 'Do my job' },
    });
    await expect(refused).rejects.toSatisfy(RoutingError.isInstance);
    expect((await coordinator.history()).map((message) => message.id)).toEqual([task.id]);
  });

  it('escalates after three blocked reviews of one task, once', async () => {
    const clock = createManualClock('2026-05-03T10:00:00Z');
    const coordinator = createCoordinator({ protocol: protocol(), roles, clock });
    const task = await coordinator.dispatch({
      from: 'strategist',
      to: 'writer',
      payload: { title: 'Issue 12' },
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      clock.advance(60_000);
      const result = await coordinator.review(task, ({ step }) => ({
        verdict: step.actor === 'critic' ? 'reject' : 'approve',
      }));
      expect(result.stoppedAt?.actor).toBe('critic');
      if (attempt < 2)
        expect((await coordinator.escalate({ from: 'critic' })).messages).toEqual([]);
    }
    const first = await coordinator.escalate({ from: 'critic' });
    expect(first.messages).toMatchObject([
      { type: 'escalation', from: 'critic', to: 'strategist', payload: { task: task.id } },
    ]);
    expect((await coordinator.escalate({ from: 'critic' })).messages).toEqual([]);
  });

  it('archives under the protocol policy but keeps the whole history', async () => {
    const archive = createMemoryArchive();
    const clock = createManualClock('2026-05-03T10:00:00Z');
    const coordinator = createCoordinator({
      protocol: protocol('decisions_only'),
      roles,
      archive,
      clock,
    });
    const task = await coordinator.dispatch({
      from: 'strategist',
      to: 'researcher',
      payload: { title: 'Scan arXiv' },
    });
    clock.advance(1000);
    await coordinator.review(task, () => ({ verdict: 'approve' }));
    expect((await archive.messages()).map((message) => message.type)).toEqual(['review', 'review']);
    expect((await coordinator.history()).map((message) => message.type)).toEqual([
      'task',
      'review',
      'review',
    ]);
  });
});
