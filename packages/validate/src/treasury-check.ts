import { join, relative } from 'node:path';
import { pathKind } from '@karnel/core';
import { LedgerIntegrityError, readLedgerEntries } from '@karnel/ledger';
import { validateTreasuryDir } from '@karnel/treasury';
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
  if (treasuryDir === undefined || (await pathKind(treasuryDir)) !== 'folder') return [];
  const displayPath = join(target.display, relative(target.dir, treasuryDir));
  const options = {
    displayPath,
    ...(target.kind === 'group' ? { roles: target.roles } : {}),
  };
  const ledgerDir = target.components.ledger;
  if (ledgerDir !== undefined && (await pathKind(ledgerDir)) === 'folder') {
    try {
      // Every ledger entry of a treasury type the treasury refuses is reported at its line.
      return await validateTreasuryDir(treasuryDir, {
        ...options,
        ledger: { entries: () => readLedgerEntries(ledgerDir) },
        ledgerLocation: {
          chainFile: join(target.display, relative(target.dir, ledgerDir), 'chain.jsonl'),
        },
      });
    } catch (error) {
      // A broken chain is the ledger check's to report; check the treasury's files alone.
      if (!LedgerIntegrityError.isInstance(error)) throw error;
    }
  }
  return validateTreasuryDir(treasuryDir, options);
};
