import {
  closestMatch,
  createDiagnostic,
  type Diagnostic,
  type DocumentPath,
  type SourceDocument,
} from '@karnel/core';
import { parseCondition } from './escalation-condition';
import type { Protocol } from './protocol-schema';
import { roleReferences } from './role-references';

/** Options of {@link checkProtocol}. */
export interface CheckProtocolOptions {
  /** The roles of the group's members, as its manifest declares them. */
  roles: Iterable<string>;
  /**
   * The parsed protocol file, so diagnostics point at the line and column of each mistake.
   * Without it every diagnostic points at line 1 of `file`.
   */
  document?: SourceDocument;
  /** The file name used when no `document` is given. Default `coordination/protocol.yaml`. */
  file?: string;
  /**
   * Names of custom escalation conditions a runtime provides predicates for. Other custom
   * names are reported as warnings: nothing would ever raise them.
   */
  conditions?: Iterable<string>;
}

/**
 * Checks a protocol against the group it belongs to: every role it names must be a member's
 * role (an error at the exact place, with "did you mean" for typos), escalation conditions
 * must be ones something can raise, and the rules must be consistent (a quorum no larger than
 * its voters, no dispatch or edge from a role to itself, no duplicate peers).
 *
 * Never throws for the user's mistakes; returns diagnostics.
 */
export function checkProtocol(protocol: Protocol, options: CheckProtocolOptions): Diagnostic[] {
  const { document, file = document?.file ?? 'coordination/protocol.yaml' } = options;
  const roles = new Set(options.roles);
  const conditions = new Set(options.conditions ?? []);
  const diagnostics: Diagnostic[] = [];
  const at = (path: DocumentPath) => (document ? document.position(path) : { line: 1, column: 1 });
  const report = (
    path: DocumentPath,
    code: string,
    message: string,
    severity: 'error' | 'warning' = 'error',
    hint?: string,
  ): void => {
    diagnostics.push(createDiagnostic({ file, ...at(path), code, message, severity, hint }));
  };

  for (const reference of roleReferences(protocol)) {
    if (roles.has(reference.role)) continue;
    const suggestion = closestMatch(reference.role, roles);
    report(
      reference.path,
      'coordination/unknown-role',
      `${reference.what} "${reference.role}" is not a member role of the group`,
      'error',
      suggestion
        ? `did you mean "${suggestion}"?`
        : `member roles: ${[...roles].join(', ') || '(none)'}`,
    );
  }

  const seenPaths = new Set<string>();
  protocol.escalation_paths.forEach((path, index) => {
    const condition = parseCondition(path.condition);
    const where = ['escalation_paths', index, 'condition'];
    if (
      condition.kind === 'rejection-streak' &&
      !roles.has(condition.role) &&
      !conditions.has(condition.name)
    ) {
      report(
        where,
        'coordination/unknown-condition',
        `condition "${path.condition}" counts rejections by "${condition.role}", which is not a member role`,
        'warning',
      );
    } else if (condition.kind === 'custom' && !conditions.has(condition.name)) {
      report(
        where,
        'coordination/unknown-condition',
        `condition "${path.condition}" is not built in; it is raised only if the runtime registers a predicate for it`,
        'warning',
        'built-in conditions: cost_overrun_predicted, <role>_rejection_<n>x (e.g. critic_rejection_3x)',
      );
    }
    const key = `${path.condition}\u0000${path.to}`;
    if (seenPaths.has(key)) {
      report(
        where,
        'coordination/duplicate-escalation',
        `escalation of "${path.condition}" to "${path.to}" is listed twice`,
        'warning',
      );
    }
    seenPaths.add(key);
  });

  const dispatchSection = protocol.hierarchical ? 'hierarchical' : 'custom';
  (protocol.hierarchical?.task_dispatch ?? protocol.custom?.task_dispatch ?? []).forEach(
    (rule, index) => {
      rule.targets.forEach((target, targetIndex) => {
        if (target === rule.source) {
          report(
            [dispatchSection, 'task_dispatch', index, 'targets', targetIndex],
            'coordination/self-dispatch',
            `"${rule.source}" dispatches to itself`,
            'warning',
          );
        }
      });
    },
  );

  if (protocol.flat) {
    const peers = protocol.flat.peers;
    reportDuplicates(peers ?? [], (index, role) =>
      report(
        ['flat', 'peers', index],
        'coordination/duplicate-role',
        `peer "${role}" is listed twice`,
        'warning',
      ),
    );
    const peerSet = new Set(peers ?? roles);
    const consensus = protocol.flat.consensus;
    consensus?.voters?.forEach((voter, index) => {
      if (roles.has(voter) && !peerSet.has(voter)) {
        report(
          ['flat', 'consensus', 'voters', index],
          'coordination/voter-not-peer',
          `voter "${voter}" is not one of the peers`,
          'warning',
        );
      }
    });
    if (consensus?.rule === 'quorum' && consensus.quorum !== undefined) {
      const voters = new Set(consensus.voters ?? peerSet).size;
      if (consensus.quorum > voters) {
        report(
          ['flat', 'consensus', 'quorum'],
          'coordination/quorum-too-large',
          `a quorum of ${consensus.quorum} can never be reached by ${voters} voter(s)`,
        );
      }
    }
  }

  protocol.network?.edges.forEach((edge, index) => {
    edge.to.forEach((role, roleIndex) => {
      if (role === edge.from) {
        report(
          ['network', 'edges', index, 'to', roleIndex],
          'coordination/self-edge',
          `edge from "${edge.from}" to itself`,
          'warning',
        );
      }
    });
  });

  return diagnostics;
}

function reportDuplicates(
  values: readonly string[],
  onDuplicate: (index: number, value: string) => void,
): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) onDuplicate(index, value);
    seen.add(value);
  });
}
