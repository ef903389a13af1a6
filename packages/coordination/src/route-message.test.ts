import { createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { createMessage } from './create-message';
import { protocolSchema } from './protocol-schema';
import { createRouter } from './route-message';

const clock = createManualClock('2026-05-03T10:00:00Z');
const network = protocolSchema.parse({
  coordination_type: 'network',
  network: {
    edges: [
      { from: 'triager', to: ['reviewer'] },
      { from: 'reviewer', to: ['maintainer'], types: ['info'] },
    ],
  },
});
const roles = ['triager', 'reviewer', 'maintainer'];

describe('createRouter', () => {
  const router = createRouter(network, { roles });
  const task = createMessage({
    type: 'task',
    from: 'triager',
    to: 'reviewer',
    clock,
    payload: { title: 'review PR' },
  });

  it('allows tasks along edges and results back to the sender', () => {
    expect(router.check(task)).toEqual({ allowed: true });
    const result = createMessage({
      type: 'result',
      from: 'reviewer',
      to: 'triager',
      clock,
      payload: { task: task.id, status: 'completed', summary: 'ok' },
    });
    expect(router.check(result)).toEqual({ allowed: true });
  });

  it('refuses tasks and info without an edge, and names why', () => {
    const backwards = createMessage({
      type: 'task',
      from: 'reviewer',
      to: 'triager',
      clock,
      payload: { title: 'x' },
    });
    expect(router.check(backwards)).toEqual({
      allowed: false,
      reason: '"reviewer" may not dispatch tasks to "triager"',
    });
    const noInfoEdge = createMessage({
      type: 'info',
      from: 'maintainer',
      to: 'reviewer',
      clock,
      payload: { text: 'x' },
    });
    expect(router.check(noInfoEdge).allowed).toBe(false);
    const info = createMessage({
      type: 'info',
      from: 'reviewer',
      to: 'maintainer',
      clock,
      payload: { text: 'x' },
    });
    expect(router.check(info).allowed).toBe(true);
  });

  it('always allows escalations between members, never to outsiders', () => {
    const escalation = createMessage({
      type: 'escalation',
      from: 'triager',
      to: 'maintainer',
      clock,
      payload: { condition: 'x', reason: 'y' },
    });
    expect(router.check(escalation).allowed).toBe(true);
    expect(router.check({ ...escalation, to: 'board' })).toEqual({
      allowed: false,
      reason: 'recipient "board" is not a member role',
    });
  });
});
