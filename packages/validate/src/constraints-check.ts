import { join } from 'node:path';
import { closestMatch, createDiagnostic, type Diagnostic, readYamlFile } from '@karnel/core';
import { analyzeConstraints, constraintDiagnostics } from '@karnel/policy';
import type { DirectoryCheck } from './directory-check';

/** Approvers that are not member roles but always exist: the owner of the agent or group. */
const builtInApprovers = new Set(['owner']);

/**
 * Checks the hard constraints of an agent or group manifest with `@karnel/policy`'s analysis: a
 * hard constraint the policy engine cannot enforce is a warning at its line (it would only be a
 * hope, not a gate), with a rephrasing hint. In a group, a gate whose approver is neither the
 * owner nor a member role is a warning too: nobody could ever approve.
 */
export const constraintsCheck: DirectoryCheck = async (target) => {
  const file = join(target.display, 'manifest.yaml');
  const document = await readYamlFile(join(target.dir, 'manifest.yaml'), { displayPath: file });
  const value = document.value as { constraints?: { hard?: unknown; soft?: unknown } } | undefined;
  const hard = value?.constraints?.hard;
  // Shape errors in `constraints` are the manifest check's to report.
  if (!Array.isArray(hard) || !hard.every((item) => typeof item === 'string')) return [];
  const analysis = analyzeConstraints({ hard });
  const diagnostics: Diagnostic[] = constraintDiagnostics(analysis, {
    file,
    position: document.position,
  });
  if (target.kind !== 'group') return diagnostics;
  const roles = new Set(target.roles);
  for (const item of analysis.hard) {
    if (!item.enforceable) continue;
    const approver = 'approver' in item.gate ? item.gate.approver : undefined;
    if (approver === undefined || builtInApprovers.has(approver) || roles.has(approver)) continue;
    const suggestion = closestMatch(approver, roles);
    diagnostics.push(
      createDiagnostic({
        file,
        ...document.position(['constraints', 'hard', item.index]),
        severity: 'warning',
        code: 'constraint/unknown-approver',
        message: `hard constraint "${item.text}" needs approval from "${approver}", which is neither the owner nor a member role`,
        hint: suggestion
          ? `did you mean "${suggestion}"?`
          : `member roles: ${[...roles].join(', ')}`,
      }),
    );
  }
  return diagnostics;
};
