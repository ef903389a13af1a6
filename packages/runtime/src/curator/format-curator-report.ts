import { escapeTerminalText } from '@karnel/core';
import type { CuratorReport } from './run-curator';

/**
 * The report of a curator pass as text for a terminal: grades (most used first), the
 * mutations made or planned, and the stale hypotheses. Names and statements come from files an
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
  return lines.map((line) => escapeTerminalText(line)).join('\n');
}
