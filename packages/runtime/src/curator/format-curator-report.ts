import { escapeTerminalText } from '@karnel/core';
import type { CuratorProposal } from './curator-records';
import type { CuratorReport } from './run-curator';

/**
 * The report of a curator pass as text for a terminal: grades (most used first), the
 * mutations made or planned, the stale hypotheses and, when enabled, the model pass's
 * proposals (never applied), what it filtered out, or its error. Names and statements come from files an
 * agent can write, so every line is escaped.
 */
export function formatCuratorReport(report: CuratorReport): string {
  const lines = [
    `curator pass ${report.pass} at ${report.at}${report.dryRun ? ' (dry run: nothing changed)' : ''}`,
  ];
  if (report.snapshot)
    lines.push(`snapshot: ${report.snapshot.path} (sha256 ${report.snapshot.sha256})`);
  lines.push(`skills (${report.skills.length}, most used first):`);
  for (const skill of report.skills)
    lines.push(
      `  ${skill.grade.padEnd(9)} ${String(skill.uses).padStart(4)} uses  idle ${String(skill.idleDays).padStart(3)} d  ${skill.path}`,
    );
  lines.push(
    report.mutations.length === 0
      ? 'mutations: none'
      : `mutations${report.dryRun ? ' (planned)' : ''}:`,
  );
  for (const mutation of report.mutations)
    lines.push(
      `  ${mutation.mutation}  ${mutation.action} ${mutation.from} → ${mutation.to}: ${mutation.reason}`,
    );
  lines.push(report.staleHypotheses.length === 0 ? 'stale hypotheses: none' : 'stale hypotheses:');
  for (const hypothesis of report.staleHypotheses)
    lines.push(
      `  ${hypothesis.id} (${hypothesis.file}, last reviewed ${hypothesis.lastReviewed ?? 'never'}): ${hypothesis.statement}`,
    );
  const model = report.modelPass;
  if (model) {
    lines.push(
      `model pass (${model.tier}, ${model.tokens} tokens, cost ${model.cost}${model.charged ? `, charged ${model.charged}` : ''}): proposals only, nothing applied`,
    );
    if (model.error !== undefined) lines.push(`  error: ${model.error}`);
    else if (model.notCalled !== undefined) lines.push(`  ${model.notCalled}`);
    else if (model.proposals.length === 0) lines.push('  proposals: none');
    for (const proposal of model.proposals) lines.push(`  propose ${describeProposal(proposal)}`);
    for (const { proposal, reason } of model.filtered)
      lines.push(`  filtered ${describeProposal(proposal)} (${reason})`);
  }
  return lines.map((line) => escapeTerminalText(line)).join('\n');
}

function describeProposal(proposal: CuratorProposal): string {
  switch (proposal.action) {
    case 'merge':
      return `merge ${proposal.skills.join(' + ')} → ${proposal.into}: ${proposal.reason}`;
    case 'rewrite-description':
      return `rewrite the description of ${proposal.skill} to "${proposal.description}": ${proposal.reason}`;
    case 'retire':
      return `retire ${proposal.skill}: ${proposal.reason}`;
  }
}
