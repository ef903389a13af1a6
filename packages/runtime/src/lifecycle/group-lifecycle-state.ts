import { pathKind } from '@karnel/core';
import { verifyPayload } from '@karnel/policy';
import { MIGRATION_RECORD_TYPES } from '../migration/migration-records';
import { locateGroup } from '../migration/open-group';
import { type GroupRunState, LIFECYCLE_RECORD_TYPES } from './lifecycle-records';
import { ownerSignedEntries } from './owner-signed-entries';

/** A group's run state and where the ledger says it came from. */
export interface GroupLifecycleState {
  /** `active`, `paused` (wakes no one), `dissolved` (refuses every run) or `handed-off`. */
  readonly state: GroupRunState;
  /** The entry that set the state; absent for a group that was never paused, dissolved or moved. */
  readonly since?: {
    /** The entry's sequence number in the ledger. */
    readonly seq: number;
    /** The entry's record type (`group.paused`, `migration.handoff` …). */
    readonly type: string;
    /** When the entry was written (ISO 8601). */
    readonly time: string;
    /** The reason the entry gives, when it gives one. */
    readonly reason?: string;
  };
  /** Whether a runtime may start runs: only in `active`. */
  readonly runnable: boolean;
  /** Lifecycle records that did not count (not signed by the owner in force), one line each. */
  readonly ignored: readonly string[];
  /** Members by role: whether their last membership record says they joined or left. */
  readonly members: Readonly<Record<string, 'joined' | 'left'>>;
  /**
   * Roles of independently owned members (their join co-signed by a key of their own) that have
   * not re-bound since the last hand-off: such a member does not move with the group, so the
   * destination wakes it only after a new `member.joined` co-signed by the same key (Annex E,
   * section 7). Sorted.
   */
  readonly awaitingRebind: readonly string[];
}

/**
 * Reads a group's run state from its ledger, never from a file the runtime could edit (Annex E,
 * section 6). `group.paused`, `group.resumed` and `group.dissolved` count only when signed by
 * the owner in force; `migration.handoff` makes the folder `handed-off` until `migration.resumed`
 * or an owner-signed `group.resumed`. `dissolved` is final. A group whose ledger does not exist
 * yet is `active`.
 *
 * The runtime checks it before every wake: `paused` and `handed-off` wake no one, `dissolved`
 * refuses every run. At start, call `appendMigrationResumed(dir)` first: a freshly imported
 * group is `handed-off` until that appends `migration.resumed`.
 *
 * @throws {MigrationError} (`migration/not-a-group`) when `dir` is not a group directory, and
 *   `LedgerIntegrityError` when the ledger does not verify — never a default state.
 */
export async function groupLifecycleState(dir: string): Promise<GroupLifecycleState> {
  const group = await locateGroup(dir);
  let state: GroupRunState = 'active';
  let since: GroupLifecycleState['since'];
  const ignored: string[] = [];
  const members: Record<string, 'joined' | 'left'> = {};
  // Independently owned members: their own key, and whether they joined since the last hand-off.
  const owned = new Map<string, { owner: string; bound: boolean }>();
  if ((await pathKind(group.ledgerDir)) === 'missing')
    return { state, runnable: true, ignored, members, awaitingRebind: [] };
  const beforeHandoff: { state: GroupRunState; since: GroupLifecycleState['since'] }[] = [];
  for await (const { entry, signedByOwner } of ownerSignedEntries(group.ledgerDir, [
    'group',
    'member',
    'migration',
  ])) {
    const isLifecycle =
      entry.type === LIFECYCLE_RECORD_TYPES.paused ||
      entry.type === LIFECYCLE_RECORD_TYPES.resumed ||
      entry.type === LIFECYCLE_RECORD_TYPES.dissolved ||
      entry.type === LIFECYCLE_RECORD_TYPES.memberJoined ||
      entry.type === LIFECYCLE_RECORD_TYPES.memberLeft;
    const isMigration =
      entry.type === MIGRATION_RECORD_TYPES.handoff ||
      entry.type === MIGRATION_RECORD_TYPES.resumed;
    if (!isLifecycle && !isMigration) continue;
    if (!signedByOwner && entry.type !== MIGRATION_RECORD_TYPES.resumed) {
      ignored.push(`ledger entry ${entry.seq}: ${entry.type} is not signed by the owner in force`);
      continue;
    }
    const reason = typeof entry.body.reason === 'string' ? entry.body.reason : undefined;
    const mark = {
      seq: entry.seq,
      type: entry.type,
      time: entry.time,
      ...(reason ? { reason } : {}),
    };
    if (
      entry.type === LIFECYCLE_RECORD_TYPES.memberJoined ||
      entry.type === LIFECYCLE_RECORD_TYPES.memberLeft
    ) {
      const { member_signature: memberSignature, ...signed } = entry.body;
      if (
        typeof entry.body.owner === 'string' &&
        !verifyPayload(signed, memberSignature, entry.body.owner)
      ) {
        ignored.push(
          `ledger entry ${entry.seq}: ${entry.type} lacks a valid signature of the member's own key`,
        );
        continue;
      }
      if (typeof entry.body.member === 'string') {
        const joined = entry.type === LIFECYCLE_RECORD_TYPES.memberJoined;
        members[entry.body.member] = joined ? 'joined' : 'left';
        const previous = owned.get(entry.body.member);
        if (!joined) owned.delete(entry.body.member);
        else if (typeof entry.body.owner === 'string') {
          // Re-binding takes the key it first joined with; another key is a new member's join.
          if (previous && previous.owner !== entry.body.owner && !previous.bound) {
            ignored.push(
              `ledger entry ${entry.seq}: ${entry.type} re-binds ${entry.body.member} with a key other than its own`,
            );
            members[entry.body.member] = 'joined';
            continue;
          }
          owned.set(entry.body.member, { owner: entry.body.owner, bound: true });
        } else owned.delete(entry.body.member);
      }
      continue;
    }
    if (state === 'dissolved') {
      ignored.push(`ledger entry ${entry.seq}: ${entry.type} after the group was dissolved`);
      continue;
    }
    if (entry.type === LIFECYCLE_RECORD_TYPES.dissolved) {
      state = 'dissolved';
      since = mark;
    } else if (entry.type === LIFECYCLE_RECORD_TYPES.paused) {
      if (state === 'handed-off')
        beforeHandoff.splice(0, beforeHandoff.length, { state: 'paused', since: mark });
      else {
        state = 'paused';
        since = mark;
      }
    } else if (entry.type === LIFECYCLE_RECORD_TYPES.resumed) {
      state = 'active';
      since = mark;
      beforeHandoff.length = 0;
    } else if (entry.type === MIGRATION_RECORD_TYPES.handoff) {
      for (const binding of owned.values()) binding.bound = false;
      if (state !== 'handed-off') beforeHandoff.splice(0, beforeHandoff.length, { state, since });
      state = 'handed-off';
      since = mark;
    } else if (entry.type === MIGRATION_RECORD_TYPES.resumed && state === 'handed-off') {
      // The destination resumes in the state the group was handed off in.
      const previous = beforeHandoff.pop();
      state = previous?.state ?? 'active';
      since = previous?.state === 'paused' ? previous.since : mark;
    }
  }
  const awaitingRebind = [...owned]
    .filter(([, binding]) => !binding.bound)
    .map(([role]) => role)
    .sort();
  return {
    state,
    ...(since ? { since } : {}),
    runnable: state === 'active',
    ignored,
    members,
    awaitingRebind,
  };
}
