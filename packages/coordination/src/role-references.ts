import type { DocumentPath } from '@karnel/core';
import type { Protocol } from './protocol-schema';

/** One place in a protocol where a member role is named. */
export interface RoleReference {
  /** The role named. */
  readonly role: string;
  /** Where, as a path into the protocol document (`['hierarchical', 'review_chain', 1, 'actor']`). */
  readonly path: DocumentPath;
  /** What the reference is, for messages: `review chain step 2 actor`, `escalation target` … */
  readonly what: string;
}

/**
 * Every place the protocol names a member role: decision authority, dispatch sources and
 * targets, review chain actors, flat peers and voters, network edge ends and escalation targets.
 */
export function roleReferences(protocol: Protocol): RoleReference[] {
  const references: RoleReference[] = [];
  const add = (role: string, path: DocumentPath, what: string): void => {
    references.push({ role, path, what });
  };
  const section = protocol.coordination_type;

  if (protocol.hierarchical) {
    add(
      protocol.hierarchical.decision_authority,
      ['hierarchical', 'decision_authority'],
      'decision authority',
    );
  }
  const dispatchSection = protocol.hierarchical ? 'hierarchical' : 'custom';
  const dispatch = protocol.hierarchical?.task_dispatch ?? protocol.custom?.task_dispatch ?? [];
  for (const [index, rule] of dispatch.entries()) {
    const path = [dispatchSection, 'task_dispatch', index];
    add(rule.source, [...path, 'source'], `task dispatch rule ${index + 1} source`);
    for (const [targetIndex, target] of rule.targets.entries()) {
      add(target, [...path, 'targets', targetIndex], `task dispatch rule ${index + 1} target`);
    }
  }
  for (const [index, peer] of (protocol.flat?.peers ?? []).entries()) {
    add(peer, ['flat', 'peers', index], 'flat peer');
  }
  for (const [index, voter] of (protocol.flat?.consensus?.voters ?? []).entries()) {
    add(voter, ['flat', 'consensus', 'voters', index], 'consensus voter');
  }
  for (const [index, edge] of (protocol.network?.edges ?? []).entries()) {
    add(edge.from, ['network', 'edges', index, 'from'], `network edge ${index + 1} sender`);
    for (const [roleIndex, role] of edge.to.entries()) {
      add(role, ['network', 'edges', index, 'to', roleIndex], `network edge ${index + 1} receiver`);
    }
  }
  for (const [index, step] of (protocol[section]?.review_chain ?? []).entries()) {
    add(
      step.actor,
      [section, 'review_chain', index, 'actor'],
      `review chain step ${index + 1} actor`,
    );
  }
  for (const [index, path] of protocol.escalation_paths.entries()) {
    add(path.to, ['escalation_paths', index, 'to'], `escalation path ${index + 1} target`);
  }
  return references;
}
