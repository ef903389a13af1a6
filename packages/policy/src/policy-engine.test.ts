import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCapability } from './capability';
import { capabilityCovers, capabilityOverlaps } from './capability-covers';
import { createPolicy } from './policy-engine';
import type { PolicyRequest } from './policy-request';
import type { PolicyEffect, PolicyRule } from './policy-rule';

const patterns = [
  '*',
  'fs.read',
  'fs.read:./workspace/**',
  'fs.read:./workspace/secret/**',
  'fs.write:/tmp/out/**',
  'fs.write',
  'net:*.example.com',
  'net:api.github.com',
  'net',
  'shell.exec:git',
  'shell.exec:git push',
  'spend:20.00',
  'spend',
  'secrets.read:OPENAI_*',
  'deploy:staging',
  'publish',
  'not a capability',
  'fs.read:!broken',
];
const concreteRequests = [
  'fs.read:./workspace/notes.md',
  'fs.read:./workspace/secret/key.pem',
  'fs.read:/etc/passwd',
  'fs.read',
  'fs.write:/tmp/out/report.txt',
  'fs.write:/tmp/elsewhere',
  'net:a.example.com',
  'net:api.github.com',
  'net:evil.org',
  'shell.exec:git status',
  'shell.exec:git push origin',
  'shell.exec:git status; rm -rf /',
  'secrets.read:OPENAI_API_KEY',
  'secrets.read:AWS_KEY',
  'deploy:staging',
  'deploy:production',
  'publish:blog',
  'spend',
];

const effect = fc.constantFrom<PolicyEffect>('allow', 'deny', 'needs-approval');
const rule: fc.Arbitrary<PolicyRule> = fc.record(
  {
    effect,
    capability: fc.constantFrom(...patterns),
    actors: fc.constantFrom(['writer'], ['researcher', 'writer'], ['agt_*']),
    when: fc.record(
      {
        amountAbove: fc.constantFrom(5, '10.00', 'oops'),
        period: fc.constantFrom('week' as const, undefined),
      },
      { requiredKeys: ['amountAbove'] },
    ),
  },
  { requiredKeys: ['effect', 'capability'] },
);
const request: fc.Arbitrary<PolicyRequest> = fc.record(
  {
    actor: fc.constantFrom('writer', 'researcher', 'agt_01H8ZQK0V8Q5T2N7R4M6W9YB1C'),
    capability: fc.constantFrom(...concreteRequests),
    amount: fc.constantFrom(1, 7.5, '19.99', 20, 25),
    spent: fc.record({ week: fc.constantFrom(0, 3, 15) }),
  },
  { requiredKeys: ['actor', 'capability'] },
);

describe('createPolicy().decide', () => {
  it('denies everything when the policy is empty', () => {
    const policy = createPolicy();
    fc.assert(
      fc.property(request, (input) => {
        const decision = policy.decide(input);
        expect(decision.effect).toBe('deny');
        expect(decision.rule).toBeUndefined();
      }),
    );
  });

  it('lets an applicable deny rule beat any number of allow rules', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 12 }), request, (rules, input) => {
        const denyRule: PolicyRule = {
          id: 'the-deny',
          effect: 'deny',
          capability: input.capability,
        };
        const decision = createPolicy({ rules: [...rules, denyRule, ...rules] }).decide(input);
        expect(decision.effect).toBe('deny');
      }),
    );
  });

  it('never changes a decision when rules are shuffled or duplicated', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 15 }),
        request,
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.func(fc.integer()),
        (rules, input, duplicates, key) => {
          const original = createPolicy({ rules }).decide(input);
          const extra =
            rules.length === 0 ? [] : duplicates.map((index) => rules[index % rules.length]!);
          const shuffled = [...rules, ...extra]
            .map((item, index) => ({ item, order: key(index) }))
            .sort((a, b) => a.order - b.order)
            .map(({ item }) => item);
          expect(createPolicy({ rules: shuffled }).decide(input)).toEqual(original);
        },
      ),
    );
  });

  it('gives the answer of the plain rule-by-rule semantics (the rule index changes nothing)', () => {
    const extraPatterns = [
      'fs.read:./workspace/*.md',
      'fs.read:/etc/**',
      'net:*.github.com',
      'shell.exec:*',
      'secrets.read:AWS_*',
      'deploy:*',
      'spend:5',
    ];
    const plainRule = fc.record({
      effect,
      capability: fc.constantFrom(...patterns, ...extraPatterns),
    });
    const requested = fc.constantFrom(
      ...concreteRequests,
      'fs.read:./workspace/**',
      'net:*.example.com',
      'shell.exec:git *',
      'spend:4',
      'spend:30',
    );
    const rank = { allow: 0, 'needs-approval': 1, deny: 2 } as const;
    fc.assert(
      fc.property(fc.array(plainRule, { maxLength: 20 }), requested, (rules, capability) => {
        let expected: PolicyEffect | undefined;
        for (const item of rules) {
          const parses = parseCapability(item.capability).ok;
          const applies =
            !parses ||
            (item.effect === 'allow'
              ? capabilityCovers(item.capability, capability)
              : capabilityOverlaps(item.capability, capability));
          const itemEffect: PolicyEffect = parses ? item.effect : 'deny';
          // A rule that does not parse denies requests of its name, or every request when even the name is unreadable.
          if (
            !parses &&
            item.capability.split(':')[0] !== capability.split(':')[0] &&
            item.capability !== 'not a capability'
          )
            continue;
          if (applies && (expected === undefined || rank[itemEffect] > rank[expected]))
            expected = itemEffect;
        }
        expect(createPolicy({ rules }).decide({ actor: 'a', capability }).effect).toBe(
          expected ?? 'deny',
        );
      }),
      { numRuns: 500 },
    );
  });

  it('only ever narrows in safe mode', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 12 }), request, (rules, input) => {
        const normal = createPolicy({ rules }).decide(input);
        const safe = createPolicy({
          rules,
          safeMode: { active: true, allow: ['fs.read:./workspace/**'] },
        }).decide(input);
        if (safe.effect === 'allow') expect(normal.effect).toBe('allow');
        expect(safe.effect === 'needs-approval').toBe(false);
      }),
    );
  });

  it('reports the rule that produced the decision', () => {
    const policy = createPolicy({
      rules: [
        { id: 'read-workspace', effect: 'allow', capability: 'fs.read:./workspace/**' },
        { id: 'no-secrets', effect: 'deny', capability: 'fs.read:./workspace/secret/**' },
      ],
    });
    expect(
      policy.decide({ actor: 'researcher', capability: 'fs.read:workspace/a.md' }),
    ).toMatchObject({
      effect: 'allow',
      rule: { id: 'read-workspace', effect: 'allow', capability: 'fs.read:workspace/**' },
      capability: 'fs.read:workspace/a.md',
    });
    expect(
      policy.decide({ actor: 'researcher', capability: 'fs.read', scope: './workspace/secret/k' }),
    ).toMatchObject({
      effect: 'deny',
      rule: { id: 'no-secrets' },
    });
    const byDefault = policy.decide({ actor: 'researcher', capability: 'net:example.com' });
    expect(byDefault.effect).toBe('deny');
    expect(byDefault.reason).toContain('deny by default');
  });

  it('asks for approval over an allow, and denies over an approval', () => {
    const policy = createPolicy({
      rules: [
        { effect: 'allow', capability: 'spend' },
        {
          effect: 'needs-approval',
          capability: 'spend',
          when: { amountAbove: 20, period: 'week' },
        },
        { effect: 'deny', capability: 'spend', when: { amountAbove: 100 } },
      ],
    });
    expect(
      policy.decide({ actor: 'a', capability: 'spend', amount: 5, spent: { week: 10 } }).effect,
    ).toBe('allow');
    expect(
      policy.decide({ actor: 'a', capability: 'spend', amount: 5, spent: { week: 15.01 } }).effect,
    ).toBe('needs-approval');
    expect(
      policy.decide({ actor: 'a', capability: 'spend', amount: '100.01', spent: { week: 0 } })
        .effect,
    ).toBe('deny');
  });

  it('denies when a rule cannot be evaluated', () => {
    const gate = createPolicy({
      rules: [
        { effect: 'allow', capability: 'spend' },
        {
          id: 'weekly-gate',
          effect: 'needs-approval',
          capability: 'spend',
          when: { amountAbove: 20, period: 'week' },
        },
      ],
    });
    const unknownSpend = gate.decide({ actor: 'a', capability: 'spend', amount: 1 });
    expect(unknownSpend).toMatchObject({ effect: 'deny', rule: { id: 'weekly-gate' } });
    expect(unknownSpend.reason).toContain('could not be evaluated');

    const throwing = createPolicy({
      rules: [
        { effect: 'allow', capability: 'deploy' },
        {
          id: 'flaky',
          effect: 'allow',
          capability: 'deploy',
          condition: () => {
            throw new Error('lookup failed');
          },
        },
      ],
    });
    expect(throwing.decide({ actor: 'a', capability: 'deploy:staging' })).toMatchObject({
      effect: 'deny',
      rule: { id: 'flaky' },
    });

    const broken = createPolicy({
      rules: [
        { effect: 'allow', capability: 'net' },
        { effect: 'allow', capability: 'net:bad host' },
      ],
    });
    expect(broken.decide({ actor: 'a', capability: 'net:example.com' }).effect).toBe('deny');
    expect(
      createPolicy({
        rules: [
          { effect: 'allow', capability: '*' },
          { effect: 'allow', capability: 'BAD' },
        ],
      }).decide({ actor: 'a', capability: 'deploy' }).effect,
    ).toBe('deny');
  });

  it('denies malformed requests with the reason instead of throwing', () => {
    const policy = createPolicy({ rules: [{ effect: 'allow', capability: '*' }] });
    expect(policy.decide({ actor: '', capability: 'deploy' })).toMatchObject({ effect: 'deny' });
    expect(policy.decide({ actor: 'a', capability: 'Deploy' })).toMatchObject({ effect: 'deny' });
    expect(policy.decide({ actor: 'a', capability: '*' })).toMatchObject({ effect: 'deny' });
    expect(policy.decide({ actor: 'a', capability: 'spend:5', amount: 6 }).reason).toContain(
      'disagree',
    );
    expect(policy.decide(null as unknown as PolicyRequest).effect).toBe('deny');
  });

  it('restricts rules to their actors', () => {
    const policy = createPolicy({
      rules: [{ effect: 'allow', capability: 'publish', actors: ['critic', 'agt_*'] }],
    });
    expect(policy.decide({ actor: 'critic', capability: 'publish' }).effect).toBe('allow');
    expect(
      policy.decide({ actor: 'agt_01H8ZQK0V8Q5T2N7R4M6W9YB1C', capability: 'publish' }).effect,
    ).toBe('allow');
    expect(policy.decide({ actor: 'writer', capability: 'publish' }).effect).toBe('deny');
  });

  it('denies requests outside the declared capabilities', () => {
    const policy = createPolicy({ rules: [{ effect: 'allow', capability: 'fs.read' }] });
    expect(
      policy.decide({ actor: 'a', capability: 'fs.read:/y', declared: ['fs.read:/x/**'] }).effect,
    ).toBe('deny');
    expect(
      policy.decide({ actor: 'a', capability: 'fs.read:/x/y', declared: ['fs.read:/x/**'] }).effect,
    ).toBe('allow');
  });

  it('resolves relative paths against the root when one is given', () => {
    const policy = createPolicy({
      root: '/agents/leon',
      rules: [{ effect: 'allow', capability: 'fs.write:./workspace/**' }],
    });
    expect(
      policy.decide({ actor: 'a', capability: 'fs.write:/agents/leon/workspace/out.txt' }).effect,
    ).toBe('allow');
    expect(policy.decide({ actor: 'a', capability: 'fs.write:workspace/out.txt' }).effect).toBe(
      'allow',
    );
    expect(
      policy.decide({ actor: 'a', capability: 'fs.write:/agents/leon/manifest.yaml' }).effect,
    ).toBe('deny');
  });

  it('keeps only the listed reads in safe mode, and asks the switch at every decision', () => {
    let active = false;
    const policy = createPolicy({
      rules: [
        { effect: 'allow', capability: 'fs.read' },
        { effect: 'allow', capability: 'net' },
        { effect: 'needs-approval', capability: 'deploy' },
      ],
      safeMode: { active: () => active, allow: ['fs.read:./workspace/**'] },
    });
    expect(policy.decide({ actor: 'a', capability: 'net:x.org' }).effect).toBe('allow');
    active = true;
    expect(policy.safeModeActive).toBe(true);
    expect(policy.decide({ actor: 'a', capability: 'net:x.org' })).toMatchObject({
      effect: 'deny',
    });
    expect(policy.decide({ actor: 'a', capability: 'deploy' }).effect).toBe('deny');
    expect(policy.decide({ actor: 'a', capability: 'fs.read:./workspace/a' }).effect).toBe('allow');
    expect(policy.decide({ actor: 'a', capability: 'fs.read:./other' }).effect).toBe('deny');
    expect(() => createPolicy({ safeMode: { allow: ['fs.write'] } })).toThrow(/read capabilities/);
    expect(() => createPolicy({ safeMode: { allow: ['secrets.read'] } })).toThrow(
      /read capabilities/,
    );
  });
});
