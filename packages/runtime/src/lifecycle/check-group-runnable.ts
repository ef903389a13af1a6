import type { Signer } from '@karnel/core';
import type { LedgerEntry } from '@karnel/ledger';
import { appendMigrationResumed } from '../migration/migration-resumed';
import { type GroupLifecycleState, groupLifecycleState } from './group-lifecycle-state';

/** What {@link checkGroupRunnable} found. */
export interface GroupRunnable extends GroupLifecycleState {
  /** The `migration.resumed` entry this call appended, when the group was just imported. */
  readonly resumed?: LedgerEntry;
  /** Why runs are refused, in one sentence; absent when the group is runnable. */
  readonly why?: string;
}

const reasons = {
  paused: 'the owner paused the group (karnel group resume)',
  dissolved: 'the owner dissolved the group; it refuses every run',
  'handed-off':
    'the group was handed off to another runtime (karnel migrate export); import the bundle there, or cancel with karnel group resume',
} as const;

/**
 * What a runtime calls when it starts and before each tick: resumes a freshly imported group
 * (appends `migration.resumed` with its consistency proof, see {@link appendMigrationResumed}),
 * then reads the run state from the ledger. `runnable` is `false` for a paused group (wake no
 * one), a dissolved group (refuse every run) and a handed-off folder.
 */
export async function checkGroupRunnable(
  dir: string,
  { signer }: { readonly signer?: Signer } = {},
): Promise<GroupRunnable> {
  const resumed = await appendMigrationResumed(dir, signer ? { signer } : {});
  const state = await groupLifecycleState(dir);
  return {
    ...state,
    ...(resumed.appended ? { resumed: resumed.entry } : {}),
    ...(state.state === 'active' ? {} : { why: reasons[state.state] }),
  };
}
