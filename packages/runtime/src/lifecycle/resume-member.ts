import { type Clock, type Signer, systemClock } from '@karnel/core';
import type { LedgerEntry } from '@karnel/ledger';
import { MigrationError } from '../migration/migration-error';
import { locateGroup } from '../migration/open-group';
import { RUN_RECORD_TYPES } from '../run-records';
import { loadGroupSnapshot } from '../scheduler/group-snapshot';
import { createLedgerHistory } from '../scheduler/ledger-history';
import { openAsOwner } from './group-lifecycle';

/** Options of {@link resumeMember}. */
export interface ResumeMemberOptions {
  /** The paused member's role. */
  readonly member: string;
  /** The group owner's key; the entry is signed with it. */
  readonly signer: Signer;
  /** Why, recorded in the entry. Default: `resumed by the owner`. */
  readonly reason?: string;
  /** The ledger's clock. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * Resumes a member the circuit breaker (or the owner) paused (`karnel member resume`): appends
 * `member.resumed`, signed with the owner's key, after checking that the key is the owner the
 * ledger pins, that the group has the member and that the ledger shows it paused. The scheduler
 * obeys a `member.resumed` only when the owner in force signed it, so a record appended by
 * anyone else leaves the member paused.
 *
 * @throws {MigrationError} `migration/not-owner` for another key; `migration/invalid` for a
 *   member the group does not have or one that is not paused.
 */
export async function resumeMember(
  dir: string,
  { member, signer, reason, clock = systemClock }: ResumeMemberOptions,
): Promise<LedgerEntry> {
  const group = await locateGroup(dir);
  const snapshot = await loadGroupSnapshot(group.dir);
  if (!snapshot.members.some((schedule) => schedule.role === member))
    throw new MigrationError({
      code: 'migration/invalid',
      problems: [
        `the group has no member ${JSON.stringify(member)} (members: ${snapshot.members.map((schedule) => schedule.role).join(', ') || 'none'})`,
      ],
    });
  const history = createLedgerHistory(group.ledgerDir);
  await history.refresh();
  if (!history.member(member).paused)
    throw new MigrationError({
      code: 'migration/invalid',
      problems: [`the member ${JSON.stringify(member)} is not paused; there is nothing to resume`],
    });
  const { ledger } = await openAsOwner(dir, signer, clock);
  try {
    return await ledger.append({
      type: RUN_RECORD_TYPES.memberResumed,
      body: { member, why: reason ?? 'resumed by the owner' },
    });
  } finally {
    await ledger.close();
  }
}
