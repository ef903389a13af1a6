import type { Clock } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { acquireGroupLease, LeaseHeldError } from '../lease/group-lease';
import { groupLifecycleState } from '../lifecycle/group-lifecycle-state';
import { MigrationError } from '../migration/migration-error';
import { locateGroup } from '../migration/open-group';

/**
 * Before the curator changes a group (a pass that is not a dry run, or a rollback): refuses a
 * dissolved group (its directory is the archive) and a handed-off one (it runs elsewhere now),
 * then takes the group's runtime lease for the length of the change, so that no runtime runs
 * the group while skills move under it, and none starts meanwhile. Internal.
 *
 * @returns the function that gives the lease back.
 * @throws {MigrationError} `migration/invalid` for a dissolved or handed-off group;
 *   `migration/running` while a runtime holds the lease.
 */
export async function holdGroupForCurator(
  dir: string,
  clock: Clock,
  action: string,
): Promise<() => Promise<void>> {
  const current = await groupLifecycleState(dir);
  if (current.state === 'dissolved' || current.state === 'handed-off')
    throw new MigrationError({
      code: 'migration/invalid',
      problems: [
        `the group is ${current.state}${current.since ? ` (ledger entry ${current.since.seq})` : ''}: the curator does not ${action} in it`,
      ],
    });
  const group = await locateGroup(dir);
  const ledger = await openLedger(group.ledgerDir, { clock });
  try {
    const lease = await acquireGroupLease({ dir: group.dir, ledger, clock });
    return async () => {
      try {
        await lease.release();
      } finally {
        await ledger.close();
      }
    };
  } catch (error) {
    await ledger.close();
    if (LeaseHeldError.isInstance(error))
      throw new MigrationError({
        code: 'migration/running',
        problems: [
          `the group is running (pid ${error.holder.pid} on ${error.holder.host} holds its lease until ${error.holder.expiresAt}): the curator does not ${action} under a running runtime; stop it first`,
        ],
      });
    throw error;
  }
}
