import { dirname, join } from 'node:path';
import { pathKind, type RecordValidator } from '@karnel/core';
import { resolveComponent } from '@karnel/manifest';
import { loadTreasuryRecordValidator, treasuryRecordValidator } from '@karnel/treasury';
import { CommandError } from './command-error';

/**
 * The validators of every typed record a package owns, for a ledger the command line is about
 * to append to. The ledger is append-only, so a record its package would refuse is refused
 * here, before anything is written: once in the chain, it could never be taken out.
 *
 * The treasury's validator is bound to the group's currency when the ledger belongs to an
 * agent or group directory with a treasury (`<dir>` itself, or the directory holding the
 * ledger folder); otherwise it checks the records' shape and money rule alone.
 */
export async function loadRecordValidators(
  dir: string,
  ledgerDir: string,
): Promise<RecordValidator[]> {
  for (const owner of [dir, dirname(ledgerDir)]) {
    if ((await pathKind(join(owner, 'manifest.yaml'))) !== 'file') continue;
    const treasury = await resolveComponent(owner, 'treasury');
    if (!treasury.ok || !treasury.exists) break;
    if ((await pathKind(join(treasury.path, 'balances.yaml'))) !== 'file') break;
    try {
      return [await loadTreasuryRecordValidator(treasury.path)];
    } catch {
      throw new CommandError(
        `the treasury at ${treasury.path} does not validate, so its records cannot be checked; run "karnel validate ${owner}"`,
      );
    }
  }
  return [treasuryRecordValidator];
}
