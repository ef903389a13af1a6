import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createDiagnostic, type Diagnostic } from '@karnel/core';
import { readLedgerEntries } from '@karnel/ledger';
import {
  createLedgerRecordStore,
  type TreasuryRecord,
  validateTreasuryDir,
} from '@karnel/treasury';
import type { DirectoryCheck } from './directory-check';

/**
 * Checks a group's treasury (its `treasury` component): `balances.yaml` and
 * `allocation_rules.yaml` against their schemas with exact amounts, allocation shares adding up
 * to 100%, approval gates in the treasury's currency and requiring a member role (or the
 * owner), and, when the group ledger holds treasury records, whether the derived figures in
 * `balances.yaml` match them. Each mistake is reported at its line.
 */
export const treasuryCheck: DirectoryCheck = async (target) => {
  const treasuryDir = target.components.treasury;
  if (treasuryDir === undefined || !(await isFolder(treasuryDir))) return [];
  const displayPath = join(target.display, relative(target.dir, treasuryDir));
  const diagnostics: Diagnostic[] = [];
  let records: TreasuryRecord[] | undefined;
  const ledgerDir = target.components.ledger;
  if (ledgerDir !== undefined && (await isFolder(ledgerDir))) {
    try {
      const store = createLedgerRecordStore({
        append: async () => {
          throw new Error('read-only');
        },
        entries: () => readLedgerEntries(ledgerDir),
      });
      const found = await store.read();
      if (found.length > 0) records = found;
    } catch (error) {
      // A broken chain is the ledger check's to report; a malformed treasury record is ours.
      if ((error as Error).name === 'TreasuryRecordError') {
        diagnostics.push(
          createDiagnostic({
            file: join(target.display, relative(target.dir, ledgerDir)),
            code: 'treasury/invalid-record',
            message: (error as Error).message,
          }),
        );
      }
    }
  }
  diagnostics.push(
    ...(await validateTreasuryDir(treasuryDir, {
      displayPath,
      ...(target.kind === 'group' ? { roles: target.roles } : {}),
      ...(records ? { records } : {}),
    })),
  );
  return diagnostics;
};

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
