import { isAbsolute, join, relative, sep } from 'node:path';
import type { Diagnostic } from '@karnel/core';
import { verifyLedger } from '@karnel/ledger';
import type { DirectoryCheck } from './directory-check';

/**
 * Verifies the ledger of an agent or group (its `ledger` component): every entry's hash and
 * link, every committed data file chunk (runs, decisions, outcomes, the coordination log) and
 * every signature. The first bad entry is an error at its line of `chain.jsonl`; data that no
 * entry commits is a warning. A ledger that does not exist yet is valid and empty.
 */
export const ledgerCheck: DirectoryCheck = async (target) => {
  const ledgerDir = target.components.ledger;
  if (ledgerDir === undefined) return [];
  const display = join(target.display, relative(target.dir, ledgerDir));
  const report = await verifyLedger(ledgerDir);
  return report.diagnostics.map((diagnostic) => relocate(diagnostic, ledgerDir, display));
};

/** Names a file inside the ledger the way the user named the directory. */
function relocate(diagnostic: Diagnostic, ledgerDir: string, display: string): Diagnostic {
  const inside = relative(ledgerDir, diagnostic.file);
  if (inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside))) {
    return { ...diagnostic, file: join(display, inside) };
  }
  return diagnostic;
}
