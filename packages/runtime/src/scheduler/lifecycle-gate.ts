import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KarnelError } from '@karnel/core';
import { type GroupLifecycleState, groupLifecycleState } from '../lifecycle/group-lifecycle-state';
import { readMigrationImportNote } from '../migration/import-group';

const notRunnableMarker = Symbol.for('karnel.error.GroupNotRunnableError');

/**
 * The group's lifecycle, read from its signed ledger records, forbids a runtime: it was
 * dissolved, or handed off to another runtime by `karnel migrate export`.
 */
export class GroupNotRunnableError extends KarnelError {
  private readonly [notRunnableMarker] = true;
  /** The lifecycle state that forbids it. */
  readonly state: GroupLifecycleState['state'];

  constructor({ dir, state }: { dir: string; state: GroupLifecycleState }) {
    const why =
      state.state === 'dissolved'
        ? 'it was dissolved by its owner (dissolution is final)'
        : 'it was handed off to another runtime (karnel migrate export); it runs there now';
    super({
      name: 'GroupNotRunnableError',
      message: `${dir} cannot run: ${why}${state.since ? ` — ledger entry ${state.since.seq}` : ''}`,
    });
    this.state = state.state;
  }

  /** Whether `error` is a {@link GroupNotRunnableError} from any copy of this package. */
  static override isInstance(error: unknown): error is GroupNotRunnableError {
    return KarnelError.hasMarker(error, 'karnel.error.GroupNotRunnableError');
  }
}

/**
 * The group's lifecycle as the scheduler sees it: read from the ledger (owner-signed records
 * only, never an editable file) and read again only when the ledger's chain file changed, so
 * an idle tick costs one `stat`.
 */
export interface LifecycleGate {
  /** The state now. */
  current(): Promise<GroupLifecycleState>;
  /**
   * Refuses a start the lifecycle forbids: a dissolved group, and a handed-off folder that is
   * not the destination of an import waiting to resume.
   *
   * @throws {GroupNotRunnableError}
   */
  assertStartable(): Promise<void>;
}

/**
 * Creates the {@link LifecycleGate} of the group in `dir` whose ledger is in `ledgerDir`. The
 * state is read again when `version` changes — by default the chain file's size and time; a
 * runtime passes the seq of the last lifecycle record its incremental ledger history saw, so
 * the runs it records do not make it read the whole ledger again.
 */
export function createLifecycleGate(
  dir: string,
  ledgerDir: string,
  version?: () => Promise<string>,
): LifecycleGate {
  let cached: { key: string; state: GroupLifecycleState } | undefined;
  const chainVersion = async () => {
    const info = await stat(join(ledgerDir, 'chain.jsonl')).catch(() => undefined);
    return info ? `${info.size}:${info.mtimeMs}` : 'none';
  };
  const current = async () => {
    const key = await (version ?? chainVersion)();
    if (cached?.key !== key) cached = { key, state: await groupLifecycleState(dir) };
    return cached.state;
  };
  return {
    current,
    async assertStartable() {
      const state = await current();
      if (state.state === 'dissolved') throw new GroupNotRunnableError({ dir, state });
      if (state.state === 'handed-off' && !(await readMigrationImportNote(dir)))
        throw new GroupNotRunnableError({ dir, state });
    },
  };
}
