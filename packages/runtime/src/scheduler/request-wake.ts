import { type Clock, formatDiagnostics, InvalidArgumentError, systemClock } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { RUN_RECORD_TYPES } from '../run-records';
import type { WakeReason } from '../wake-reason';
import { loadGroupSnapshot } from './group-snapshot';

/** Options of {@link requestWake}. */
export interface RequestWakeOptions {
  /** The group directory. */
  readonly dir: string;
  /** The member to wake. */
  readonly member: string;
  /** Why, one line (at most 500 characters). */
  readonly reason: string;
  /** Where the time comes from. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Told what opening the ledger repaired (a torn last line a crash left, dropped before the
   * wake was appended), one line each with file, line and column. Default: ignored.
   */
  readonly onRecovered?: (line: string) => void;
}

/**
 * Asks for a member to be woken (`karnel wake <role> --reason …`): appends `wake.requested` to the
 * group ledger, where the running runtime's next tick — or the next runtime to start — finds
 * it. Works with or without a runtime running.
 *
 * @throws InvalidArgumentError when the member is not a member the runtime runs (unknown, or human),
 * or the reason is empty, too long or spans lines.
 */
export async function requestWake({
  dir,
  member,
  reason,
  clock = systemClock,
  onRecovered,
}: RequestWakeOptions): Promise<WakeReason> {
  const snapshot = await loadGroupSnapshot(dir);
  const schedule = snapshot.members.find((candidate) => candidate.role === member);
  if (!schedule || schedule.kind === 'human') {
    const runnable = snapshot.members
      .filter((candidate) => candidate.kind !== 'human')
      .map((candidate) => candidate.role);
    throw new InvalidArgumentError({
      argument: 'member',
      value: member,
      message: `"${member}" is not ${schedule ? 'a member the runtime runs (it is human)' : 'a member of this group'}; members: ${runnable.join(', ') || 'none'}`,
    });
  }
  if (reason.trim() === '' || reason.length > 500 || /[\p{Cc}]/u.test(reason)) {
    throw new InvalidArgumentError({
      argument: 'reason',
      value: reason,
      message: 'one line of text, 1 to 500 characters, without control characters',
    });
  }
  const wake: WakeReason = { kind: 'manual', detail: reason, at: clock.now().toISOString() };
  const ledger = await openLedger(snapshot.ledgerDir, { clock });
  for (const diagnostic of ledger.recovered) onRecovered?.(formatDiagnostics([diagnostic]));
  try {
    await ledger.append({ type: RUN_RECORD_TYPES.wakeRequested, body: { member, reason: wake } });
  } finally {
    await ledger.close();
  }
  return wake;
}
