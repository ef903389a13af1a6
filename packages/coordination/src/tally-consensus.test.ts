import { createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { createMessage } from './create-message';
import { consensusSchema } from './protocol-schema';
import { tallyConsensus } from './tally-consensus';

const clock = createManualClock('2026-05-03T10:00:00Z');
const peers = ['triager', 'reviewer', 'release_manager', 'maintainer'];
const request = createMessage({
  type: 'approval',
  from: 'release_manager',
  to: peers,
  clock,
  payload: { subject: 'release 2.4.0', decision: 'requested' },
});

function answer(from: string, decision: 'granted' | 'denied', to = request.id) {
  clock.advance(1000);
  return createMessage({
    type: 'approval',
    from,
    to: 'release_manager',
    clock,
    payload: { subject: 'release 2.4.0', decision, request: to },
  });
}

describe('tallyConsensus', () => {
  it('grants by majority once more than half of the peers granted', () => {
    const consensus = consensusSchema.parse({});
    const history = [request, answer('triager', 'granted'), answer('reviewer', 'granted')];
    expect(tallyConsensus({ consensus, peers, request, history })).toMatchObject({
      outcome: 'pending',
      needed: 3,
    });
    history.push(answer('maintainer', 'granted'));
    expect(tallyConsensus({ consensus, peers, request, history })).toMatchObject({
      outcome: 'granted',
      granted: ['triager', 'reviewer', 'maintainer'],
      waiting: ['release_manager'],
    });
  });

  it('denies a unanimous vote at the first refusal, and counts each voter once (latest answer)', () => {
    const consensus = consensusSchema.parse({ rule: 'unanimous' });
    const history = [request, answer('triager', 'denied'), answer('triager', 'granted')];
    expect(tallyConsensus({ consensus, peers, request, history }).outcome).toBe('pending');
    history.push(answer('reviewer', 'denied'));
    expect(tallyConsensus({ consensus, peers, request, history })).toMatchObject({
      outcome: 'denied',
      denied: ['reviewer'],
    });
  });

  it('counts only the named voters and only answers to this request', () => {
    const consensus = consensusSchema.parse({
      rule: 'quorum',
      quorum: 2,
      voters: ['reviewer', 'maintainer'],
    });
    const other = createMessage({
      type: 'approval',
      from: 'triager',
      to: peers,
      clock,
      payload: { subject: 'x', decision: 'requested' },
    });
    const history = [
      request,
      answer('triager', 'granted'),
      answer('reviewer', 'granted'),
      answer('maintainer', 'granted', other.id),
    ];
    expect(tallyConsensus({ consensus, peers, request, history })).toMatchObject({
      outcome: 'pending',
      granted: ['reviewer'],
    });
  });
});
