import { join } from 'node:path';
import { type Clock, InvalidArgumentError, type Signer, systemClock } from '@karnel/core';
import { type LedgerEntry, openLedger } from '@karnel/ledger';
import { loadGroupManifest, roleSchema } from '@karnel/manifest';
import { resolveOwner, sameIdentity, signPayload } from '@karnel/policy';
import { MigrationError } from '../migration/migration-error';
import { locateGroup } from '../migration/open-group';
import { groupLifecycleState } from './group-lifecycle-state';
import { LIFECYCLE_RECORD_TYPES } from './lifecycle-records';

/** A change of a group's run state the owner can sign. */
export type GroupLifecycleAction = 'pause' | 'resume' | 'dissolve';

/** Options of {@link changeGroupLifecycle}. */
export interface ChangeGroupLifecycleOptions {
  /** The owner's key; the entry is signed with it. */
  readonly signer: Signer;
  /** Why, recorded in the entry. */
  readonly reason?: string;
  /** The ledger's clock. Default: the system clock. */
  readonly clock?: Clock;
}

const allowed: Record<GroupLifecycleAction, readonly string[]> = {
  pause: ['active'],
  resume: ['paused', 'handed-off'],
  dissolve: ['active', 'paused', 'handed-off'],
};

const recordOf = {
  pause: LIFECYCLE_RECORD_TYPES.paused,
  resume: LIFECYCLE_RECORD_TYPES.resumed,
  dissolve: LIFECYCLE_RECORD_TYPES.dissolved,
} as const;

/** A reason recorded in a lifecycle entry: one line, 1 to 500 characters, no control characters. */
function checkReason(reason: string | undefined): void {
  if (reason === undefined) return;
  if (reason.trim() === '' || reason.length > 500 || /\p{Cc}/u.test(reason))
    throw new InvalidArgumentError({
      argument: 'reason',
      value: reason,
      message: 'a reason is one line of text, 1 to 500 characters, without control characters',
    });
}

/** Opens the group ledger and checks that `signer` is the owner the ledger pins (internal). */
export async function openAsOwner(dir: string, signer: Signer, clock: Clock) {
  const group = await locateGroup(dir);
  const ledger = await openLedger(group.ledgerDir, { signer, clock });
  try {
    const { owner } = await resolveOwner({ ledger, claimed: group.claimedOwner, signer });
    if (!sameIdentity(owner, signer.did))
      throw new MigrationError({
        code: 'migration/not-owner',
        problems: [`the key ${signer.did} is not the group's owner (${owner})`],
      });
    return { group, ledger };
  } catch (error) {
    await ledger.close();
    throw error;
  }
}

/**
 * Pauses, resumes or dissolves a group (`karnel group pause|resume|dissolve`): appends
 * `group.paused`, `group.resumed` or `group.dissolved`, signed with the owner's key, after
 * checking that the key is the owner the ledger pins and that the transition is allowed
 * (pause an active group; resume a paused or handed-off one; dissolve anything but a dissolved
 * group — dissolution is final). The directory and its ledger stay in place as the archive.
 *
 * @throws {MigrationError} `migration/not-owner` for another key; `migration/invalid` for a
 *   transition the current state does not allow.
 */
export async function changeGroupLifecycle(
  dir: string,
  action: GroupLifecycleAction,
  { signer, reason, clock = systemClock }: ChangeGroupLifecycleOptions,
): Promise<LedgerEntry> {
  checkReason(reason);
  const current = await groupLifecycleState(dir);
  if (!allowed[action].includes(current.state))
    throw new MigrationError({
      code: 'migration/invalid',
      problems: [
        `cannot ${action} a group that is ${current.state}${current.state === 'dissolved' ? ' (dissolution is final)' : ''}`,
      ],
    });
  const { group, ledger } = await openAsOwner(dir, signer, clock);
  try {
    return await ledger.append({
      type: recordOf[action],
      body: { group: group.id, ...(reason !== undefined ? { reason } : {}) },
    });
  } finally {
    await ledger.close();
  }
}

/** Options of {@link recordMembership}. */
export interface RecordMembershipOptions {
  /** The group owner's key; the entry is signed with it. */
  readonly signer: Signer;
  /** The member's role. */
  readonly member: string;
  /** `joined` or `left`. */
  readonly change: 'joined' | 'left';
  /**
   * `native`, `foreign` or `human`: what `manifest.yaml` lists the member as. Default: that
   * kind; a different one is refused.
   */
  readonly kind?: 'native' | 'foreign' | 'human';
  /**
   * An independently owned member's own key: it co-signs the join (`member_signature`), which
   * is how such a member re-binds after a migration (Annex E, section 7).
   */
  readonly memberSigner?: Signer;
  /** Why, recorded in the entry. */
  readonly reason?: string;
  /** The ledger's clock. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * Records a member joining or leaving (`member.joined` / `member.left`), signed by the group
 * owner and, for an independently owned member, co-signed by the member's own key.
 *
 * The member must be listed in the group's `manifest.yaml` (add it there first) with the kind
 * given, and a member that left cannot leave again.
 *
 * @throws {MigrationError} `migration/not-owner` when `signer` is not the owner; `migration/invalid`
 *   when the group is dissolved, the role is not a member of the manifest, the kind differs from
 *   the manifest's, or the member already left.
 * @throws {InvalidArgumentError} when the role is not a role name or the reason is not one line.
 */
export async function recordMembership(
  dir: string,
  {
    signer,
    member,
    change,
    kind,
    memberSigner,
    reason,
    clock = systemClock,
  }: RecordMembershipOptions,
): Promise<LedgerEntry> {
  const role = roleSchema.safeParse(member);
  if (!role.success)
    throw new InvalidArgumentError({
      argument: 'member',
      value: member,
      message: `${JSON.stringify(member)} is not a role: ${role.error.issues[0]?.message ?? 'invalid'}`,
    });
  checkReason(reason);
  const current = await groupLifecycleState(dir);
  if (current.state === 'dissolved')
    throw new MigrationError({
      code: 'migration/invalid',
      problems: ['the group is dissolved; its membership is final'],
    });
  const manifest = (await loadGroupManifest(join(dir, 'manifest.yaml'))).value;
  const listed = manifest?.members.find((entry) => entry.role === member);
  if (!listed)
    throw new MigrationError({
      code: 'migration/invalid',
      problems: [
        `"${member}" is not a member in manifest.yaml (members: ${manifest?.members.map((entry) => entry.role).join(', ') || 'none'}); add it there before recording that it ${change}`,
      ],
    });
  const listedKind =
    listed.agent_kind === 'human'
      ? 'human'
      : listed.agent_kind === 'foreign'
        ? 'foreign'
        : 'native';
  if (kind !== undefined && kind !== listedKind)
    throw new MigrationError({
      code: 'migration/invalid',
      problems: [`"${member}" is a ${listedKind} member in manifest.yaml, not ${kind}`],
    });
  if (change === 'left' && current.members[member] === 'left')
    throw new MigrationError({
      code: 'migration/invalid',
      problems: [`"${member}" already left the group`],
    });
  const { group, ledger } = await openAsOwner(dir, signer, clock);
  try {
    const body: Record<string, unknown> = {
      group: group.id,
      member,
      kind: listedKind,
      ...(memberSigner ? { owner: memberSigner.did } : {}),
      ...(reason !== undefined ? { reason } : {}),
    };
    if (memberSigner) body.member_signature = signPayload(body, memberSigner);
    return await ledger.append({
      type:
        change === 'joined'
          ? LIFECYCLE_RECORD_TYPES.memberJoined
          : LIFECYCLE_RECORD_TYPES.memberLeft,
      body,
    });
  } finally {
    await ledger.close();
  }
}
