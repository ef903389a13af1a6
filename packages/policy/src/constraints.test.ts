import { parseYaml } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { analyzeConstraints, constraintDiagnostics } from './constraints';
import { createPolicy } from './policy-engine';

describe('analyzeConstraints', () => {
  it('turns the spec example constraints into gates, and says which cannot be enforced', () => {
    const analysis = analyzeConstraints({
      hard: [
        'never spend > $20/week on inference without owner approval',
        'never publish strategic decisions to public without owner approval',
        'weekly_inference_budget < $50',
        'never publish without critic approval',
        'never send to unsubscribed addresses',
      ],
      soft: ['prefer concrete hypotheses over abstract reasoning'],
    });
    const [spend, publishOwner, budget, publishCritic, unsubscribed] = analysis.hard;
    expect(spend).toMatchObject({
      enforceable: true,
      gate: {
        kind: 'spend-limit',
        limit: { units: 20_000_000_000_000n, currency: 'USD' },
        period: 'week',
        approver: 'owner',
      },
    });
    expect(spend?.enforceable && spend.note).toContain('inference');
    expect(publishOwner).toMatchObject({
      enforceable: true,
      gate: { kind: 'approval-required', capability: 'publish', approver: 'owner' },
    });
    expect(publishOwner?.enforceable && publishOwner.note).toContain('stricter than written');
    expect(budget).toMatchObject({
      enforceable: true,
      gate: { kind: 'spend-limit', limit: { units: 49_999_999_999_999n }, period: 'week' },
    });
    expect(
      budget?.enforceable && budget.gate.kind === 'spend-limit' && budget.gate.approver,
    ).toBeFalsy();
    expect(publishCritic).toMatchObject({
      enforceable: true,
      gate: { kind: 'approval-required', approver: 'critic' },
    });
    expect(unsubscribed).toMatchObject({ enforceable: false });
    expect(analysis.soft).toEqual(['prefer concrete hypotheses over abstract reasoning']);
  });

  it('produces rules that enforce the gates', () => {
    const { rules } = analyzeConstraints([
      'never spend more than $20 per week without owner approval',
      'weekly_budget < $50',
      'never deploy to production',
      'never publish without critic approval',
    ]);
    const policy = createPolicy({
      rules: [
        ...rules,
        { effect: 'allow', capability: 'spend' },
        { effect: 'allow', capability: 'deploy' },
        { effect: 'allow', capability: 'publish' },
      ],
    });
    expect(
      policy.decide({ actor: 'a', capability: 'spend', amount: 5, spent: { week: 10 } }).effect,
    ).toBe('allow');
    expect(
      policy.decide({ actor: 'a', capability: 'spend', amount: 5, spent: { week: 16 } }).effect,
    ).toBe('needs-approval');
    expect(
      policy.decide({ actor: 'a', capability: 'spend', amount: 5, spent: { week: 45 } }).effect,
    ).toBe('deny');
    expect(
      policy.decide({ actor: 'a', capability: 'spend', amount: 5, spent: { week: 44.99 } }).effect,
    ).toBe('needs-approval');
    expect(policy.decide({ actor: 'a', capability: 'deploy:production' }).effect).toBe('deny');
    expect(policy.decide({ actor: 'a', capability: 'deploy:staging' }).effect).toBe('allow');
    expect(policy.decide({ actor: 'a', capability: 'publish:blog' })).toMatchObject({
      effect: 'needs-approval',
      rule: { id: 'constraint: never publish without critic approval' },
    });
  });

  it('classifies other phrasings', () => {
    const { hard } = analyzeConstraints([
      'never run shell commands',
      'Never read secrets.',
      'never push without the owner’s approval',
      'never hire contractors without owner approval',
      'be nice',
      'max_cost_per_run <= $0.50',
      '',
    ]);
    expect(hard.map((item) => (item.enforceable ? item.gate.kind : 'no'))).toEqual([
      'forbidden',
      'forbidden',
      'approval-required',
      'no',
      'no',
      'spend-limit',
      'no',
    ]);
    expect(hard[5]).toMatchObject({ gate: { limit: { units: 500_000_000_000n } } });
    expect(
      hard[5]?.enforceable && hard[5].gate.kind === 'spend-limit' && hard[5].gate.period,
    ).toBeFalsy();
  });
});

describe('constraintDiagnostics', () => {
  it('warns at the line of each unenforceable constraint', () => {
    const text =
      'constraints:\n  hard:\n    - "never publish without critic approval"\n    - "never send to unsubscribed addresses"\n';
    const document = parseYaml(text, 'manifest.yaml');
    const hard = (document.value as { constraints: { hard: string[] } }).constraints.hard;
    const diagnostics = constraintDiagnostics(analyzeConstraints(hard), {
      file: document.file,
      position: document.position,
    });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file: 'manifest.yaml',
        line: 4,
        column: 7,
        severity: 'warning',
        code: 'constraint/unenforceable',
      }),
    ]);
  });
});
