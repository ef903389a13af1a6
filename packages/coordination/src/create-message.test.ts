import { createManualClock, InvalidArgumentError, isId } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMessage, parseMessage, recipients, safeParseMessage } from './create-message';
import { MESSAGE_TYPES } from './message-schema';

const clock = createManualClock('2026-05-03T10:00:00Z');

describe('createMessage', () => {
  it('creates a task with a msg_ id, the clock time and defaults applied', () => {
    const message = createMessage({
      type: 'task',
      from: 'strategist',
      to: 'writer',
      clock,
      refs: { goals: ['g_subs'] },
      cost: { amount: '0.042', currency: 'USD' },
      payload: { title: 'Draft issue 12', task_class: 'long_form' },
    });
    expect(isId(message.id, 'msg')).toBe(true);
    expect(message).toMatchObject({
      karnel_message_version: '0.2',
      type: 'task',
      created_at: '2026-05-03T10:00:00.000Z',
      payload: { title: 'Draft issue 12', mode: 'directive' },
    });
  });

  it('checks each type against its own payload schema', () => {
    const task = createMessage({
      type: 'task',
      from: 'a',
      to: 'b',
      clock,
      payload: { title: 't' },
    });
    expect(() =>
      createMessage({
        type: 'review',
        from: 'b',
        to: 'a',
        clock,
        payload: {
          task: task.id,
          step: 0,
          action: 'review',
          verdict: 'maybe',
          blocking: true,
        } as never,
      }),
    ).toThrowError(InvalidArgumentError);
    expect(() =>
      createMessage({
        type: 'result',
        from: 'b',
        to: 'a',
        clock,
        payload: { task: 'task-1', status: 'completed', summary: 'done' },
      }),
    ).toThrowError(/payload\.task/);
    expect(() =>
      createMessage({
        type: 'info',
        from: 'b',
        to: 'a',
        clock,
        payload: { text: 'x' },
        cost: { amount: '0.1', currency: 'usd' },
      }),
    ).toThrowError(/currency/);
  });

  it('accepts ledger references as entry ids or content hashes only', () => {
    const hash = `sha256:${'ab'.repeat(32)}`;
    const ok = createMessage({
      type: 'info',
      from: 'a',
      to: 'b',
      clock,
      payload: { text: 'x' },
      refs: { ledger: [hash] },
    });
    expect(ok.refs?.ledger).toEqual([hash]);
    expect(() =>
      createMessage({
        type: 'info',
        from: 'a',
        to: 'b',
        clock,
        payload: { text: 'x' },
        refs: { ledger: ['ledger/run_03'] },
      }),
    ).toThrowError(/ledger reference/);
  });

  it('refuses unknown envelope and payload fields', () => {
    const message = createMessage({
      type: 'info',
      from: 'a',
      to: ['b', 'c'],
      clock,
      payload: { text: 'x' },
    });
    expect(recipients(message)).toEqual(['b', 'c']);
    expect(safeParseMessage({ ...message, priority: 'high' }).ok).toBe(false);
    expect(safeParseMessage({ ...message, payload: { text: 'x', colour: 'red' } }).ok).toBe(false);
  });

  it('survives a JSON round trip unchanged, for every type', () => {
    const task = createMessage({
      type: 'task',
      from: 'a',
      to: 'b',
      clock,
      payload: { title: 't' },
    });
    const payloads = {
      task: { title: 'Triage issue #12', inputs: { issue: 12 } },
      result: { task: task.id, status: 'completed', summary: 'labelled' },
      review: {
        task: task.id,
        step: 1,
        action: 'review',
        verdict: 'reject',
        blocking: true,
        comments: 'no tests',
      },
      escalation: {
        condition: 'reviewer_rejection_3x',
        reason: 'three rejections',
        task: task.id,
        evidence: [task.id],
      },
      approval: { subject: 'release 1.4.0', decision: 'granted', task: task.id },
      info: { text: 'CI is red on main', data: { job: 42 } },
    } as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...MESSAGE_TYPES),
        fc.stringMatching(/^[a-z][a-z_]{0,12}$/),
        fc.option(fc.stringMatching(/^(0|[1-9]\d{0,5})(\.\d{1,4})?$/), { nil: undefined }),
        (type, from, amount) => {
          const message = createMessage({
            type,
            from,
            to: 'b',
            clock,
            payload: payloads[type] as never,
            ...(amount === undefined ? {} : { cost: { amount, currency: 'EUR' } }),
          });
          expect(parseMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
        },
      ),
    );
  });
});
