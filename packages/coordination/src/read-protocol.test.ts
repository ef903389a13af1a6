import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProtocolFile } from './read-protocol';

async function write(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
  const path = join(dir, 'protocol.yaml');
  await writeFile(path, text);
  return path;
}

const specExample = `coordination_type: "hierarchical"   # hierarchical | flat | network

hierarchical:
  decision_authority: "strategist"
  task_dispatch:
    - source: "strategist"
      targets: ["researcher", "writer"]
      mode: "directive"
  review_chain:
    - actor: "writer"
      action: "draft"
    - actor: "critic"
      action: "review"
      blocking: true
    - actor: "strategist"
      action: "approve_publication"
      blocking: true

escalation_paths:
  - condition: "cost_overrun_predicted"
    to: "human_owner"
  - condition: "critic_rejection_3x"
    to: "strategist"
  - condition: "strategic_pivot_needed"
    to: "human_owner"

communication:
  default: "structured_message"      # not free-form chat
  message_schema: "see Annex C"
  archival: "all_messages_to_ledger"
`;

describe('readProtocolFile', () => {
  it('accepts the hierarchical protocol exactly as the spec writes it', async () => {
    const { protocol, diagnostics } = await readProtocolFile(await write(specExample));
    expect(diagnostics).toEqual([]);
    expect(protocol?.coordination_type).toBe('hierarchical');
    expect(protocol?.hierarchical?.review_chain.map((step) => [step.actor, step.blocking])).toEqual(
      [
        ['writer', false],
        ['critic', true],
        ['strategist', true],
      ],
    );
    expect(protocol?.communication.archival).toBe('all_messages_to_ledger');
  });

  it('accepts a flat protocol with peers, claiming and consensus, and fills defaults', async () => {
    const { protocol, diagnostics } = await readProtocolFile(
      await write(`coordination_type: flat
flat:
  peers: [triager, reviewer]
  task_claiming:
    mode: self_assign
  consensus:
    rule: quorum
    quorum: 2
    applies_to: [release]
`),
    );
    expect(diagnostics).toEqual([]);
    expect(protocol?.flat?.consensus?.quorum).toBe(2);
    expect(protocol?.flat?.review_chain).toEqual([]);
    expect(protocol?.escalation_paths).toEqual([]);
    expect(protocol?.communication).toEqual({
      default: 'structured_message',
      message_schema: 'see Annex C',
      archival: 'all_messages_to_ledger',
    });
  });

  it('accepts a network protocol and defaults edge modes to request', async () => {
    const { protocol, diagnostics } = await readProtocolFile(
      await write(`coordination_type: network
network:
  edges:
    - from: triager
      to: [reviewer]
      types: [task, info]
`),
    );
    expect(diagnostics).toEqual([]);
    expect(protocol?.network?.edges[0]).toMatchObject({ mode: 'request', bidirectional: false });
  });

  it('refuses a section of another type, at its key', async () => {
    const { protocol, diagnostics } = await readProtocolFile(
      await write(`coordination_type: flat
hierarchical:
  decision_authority: boss
`),
    );
    expect(protocol).toBeUndefined();
    expect(diagnostics).toMatchObject([
      { code: 'coordination/section-mismatch', line: 3, column: 3, severity: 'error' },
    ]);
  });

  it('requires the section of hierarchical and network types', async () => {
    const { diagnostics } = await readProtocolFile(await write('coordination_type: network\n'));
    expect(diagnostics).toMatchObject([
      { code: 'coordination/missing-section', line: 1, column: 20 },
    ]);
  });

  it('requires a quorum count for the quorum rule', async () => {
    const { diagnostics } = await readProtocolFile(
      await write('coordination_type: flat\nflat:\n  consensus:\n    rule: quorum\n'),
    );
    expect(diagnostics).toMatchObject([
      { code: 'coordination/missing-quorum', line: 3, column: 3 },
    ]);
  });

  it('warns about unknown fields with a suggestion and positions bad values', async () => {
    const { diagnostics } = await readProtocolFile(
      await write(`coordination_type: hierarchical
hierarchical:
  decision_authority: boss
  review_chian: []
  task_dispatch:
    - source: boss
      targets: [worker]
      mode: ordered
`),
    );
    expect(diagnostics).toMatchObject([
      {
        code: 'schema/unknown-field',
        line: 4,
        column: 3,
        severity: 'warning',
        hint: 'did you mean "review_chain"?',
      },
      { code: 'schema/invalid-value', line: 8, column: 13, severity: 'error' },
    ]);
  });

  it('reports a missing file as a diagnostic, never a throw', async () => {
    const { protocol, diagnostics } = await readProtocolFile('/nonexistent/protocol.yaml', {
      displayPath: 'coordination/protocol.yaml',
    });
    expect(protocol).toBeUndefined();
    expect(diagnostics).toMatchObject([
      { file: 'coordination/protocol.yaml', code: 'file/missing' },
    ]);
  });
});
