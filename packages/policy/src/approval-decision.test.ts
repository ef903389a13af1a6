import { createManualClock, createSigner, generateKeyPair } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decisionMismatches,
  hashAction,
  signApprovalDecision,
  verifyApprovalDecision,
} from './approval-decision';

const owner = createSigner(generateKeyPair().secretKey);
const clock = createManualClock('2026-05-03T10:00:00Z');
const facts = {
  id: 'apr_01H8ZQK0V8Q5T2N7R4M6W9YB1C' as const,
  actor: 'writer',
  requested_by: owner.did,
  capability: 'publish:newsletter',
  action_hash: hashAction({ issue: 42 }),
  expires_at: '2026-05-04T10:00:00.000Z',
};

describe('signed approval decisions', () => {
  it('sign every fact that using the approval relies on', () => {
    const decision = signApprovalDecision(facts, owner, { decision: 'approve', clock });
    expect(verifyApprovalDecision(decision)).toBe(true);
    expect(decisionMismatches(decision, facts)).toEqual([]);
    expect(
      decisionMismatches(decision, { ...facts, capability: 'payments.send', expires_at: 'x' }),
    ).toEqual(['capability', 'expires_at']);
  });

  it('stop verifying when any signed field is changed (property)', () => {
    const decision = signApprovalDecision(facts, owner, {
      decision: 'approve',
      comment: 'ship it',
      clock,
    });
    const fields = Object.keys(decision).filter((field) => field !== 'signature');
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.string(), (field, value) => {
        fc.pre(value !== (decision as Record<string, unknown>)[field]);
        expect(verifyApprovalDecision({ ...decision, [field]: value })).toBe(false);
      }),
    );
    expect(verifyApprovalDecision({ ...decision, type: 'karnel.approval.v1' })).toBe(false);
    const { expires_at: _dropped, ...withoutExpiry } = decision;
    expect(verifyApprovalDecision(withoutExpiry)).toBe(false);
  });
});
