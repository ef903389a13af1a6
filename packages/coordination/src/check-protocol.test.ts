import { parseYaml, validateDocument } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { checkProtocol } from './check-protocol';
import { protocolSchema } from './protocol-schema';

function load(text: string) {
  const document = parseYaml(text, 'coordination/protocol.yaml');
  const { value, diagnostics } = validateDocument(protocolSchema, document);
  expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
  return { protocol: value!, document };
}

const roles = ['strategist', 'researcher', 'writer', 'critic', 'human_owner'];

describe('checkProtocol', () => {
  it('finds nothing wrong when every role exists and conditions are built in', () => {
    const { protocol, document } = load(`coordination_type: hierarchical
hierarchical:
  decision_authority: strategist
  task_dispatch:
    - source: strategist
      targets: [researcher, writer]
  review_chain:
    - actor: writer
      action: draft
    - actor: critic
      action: review
      blocking: true
escalation_paths:
  - condition: cost_overrun_predicted
    to: human_owner
  - condition: critic_rejection_3x
    to: strategist
`);
    expect(checkProtocol(protocol, { roles, document })).toEqual([]);
  });

  it('reports a review chain actor that is not a member, at its line and column, with a suggestion', () => {
    const { protocol, document } = load(`coordination_type: hierarchical
hierarchical:
  decision_authority: strategist
  review_chain:
    - actor: writer
      action: draft
    - actor: critc
      action: review
      blocking: true
`);
    expect(checkProtocol(protocol, { roles, document })).toEqual([
      {
        file: 'coordination/protocol.yaml',
        line: 7,
        column: 14,
        code: 'coordination/unknown-role',
        severity: 'error',
        message: 'review chain step 2 actor "critc" is not a member role of the group',
        hint: 'did you mean "critic"?',
      },
    ]);
  });

  it('reports every kind of role reference once per mistake', () => {
    const { protocol, document } = load(`coordination_type: hierarchical
hierarchical:
  decision_authority: ceo
  task_dispatch:
    - source: cto
      targets: [writer, designer]
escalation_paths:
  - condition: cost_overrun_predicted
    to: board
`);
    const found = checkProtocol(protocol, { roles, document });
    expect(
      found.map((diagnostic) => [diagnostic.line, diagnostic.column, diagnostic.code]),
    ).toEqual([
      [3, 23, 'coordination/unknown-role'],
      [5, 15, 'coordination/unknown-role'],
      [6, 25, 'coordination/unknown-role'],
      [9, 9, 'coordination/unknown-role'],
    ]);
  });

  it('checks flat peers, voters and quorum', () => {
    const { protocol, document } = load(`coordination_type: flat
flat:
  peers: [writer, critic, writer, ghost]
  consensus:
    rule: quorum
    quorum: 4
    voters: [writer, critic, researcher]
`);
    const found = checkProtocol(protocol, { roles, document });
    expect(
      found.map((diagnostic) => [diagnostic.line, diagnostic.code, diagnostic.severity]),
    ).toEqual([
      [3, 'coordination/unknown-role', 'error'],
      [3, 'coordination/duplicate-role', 'warning'],
      [7, 'coordination/voter-not-peer', 'warning'],
      [6, 'coordination/quorum-too-large', 'error'],
    ]);
  });

  it('checks network edge ends and warns about self edges', () => {
    const { protocol, document } = load(`coordination_type: network
network:
  edges:
    - from: writer
      to: [critic, writer, editor]
`);
    const found = checkProtocol(protocol, { roles, document });
    expect(
      found.map((diagnostic) => [diagnostic.line, diagnostic.column, diagnostic.code]),
    ).toEqual([
      [5, 28, 'coordination/unknown-role'],
      [5, 20, 'coordination/self-edge'],
    ]);
  });

  it('warns about conditions nothing can raise unless a predicate is registered', () => {
    const { protocol, document } = load(`coordination_type: flat
escalation_paths:
  - condition: strategic_pivot_needed
    to: human_owner
  - condition: editor_rejection_2x
    to: critic
`);
    const found = checkProtocol(protocol, { roles, document });
    expect(
      found.map((diagnostic) => [diagnostic.line, diagnostic.code, diagnostic.severity]),
    ).toEqual([
      [3, 'coordination/unknown-condition', 'warning'],
      [5, 'coordination/unknown-condition', 'warning'],
    ]);
    expect(
      checkProtocol(protocol, { roles, document, conditions: ['strategic_pivot_needed'] }),
    ).toHaveLength(1);
  });
});
