import type { Diagnostic } from '@karnel/core';

/**
 * One agent or group directory that `karnel validate` checks, with what manifest validation
 * already resolved, so each {@link DirectoryCheck} can go straight to the files it owns.
 */
export interface ValidationTarget {
  /** Whether this is an agent or a group directory. Native member agents of a group are agent targets too. */
  readonly kind: 'agent' | 'group';
  /** Absolute path of the directory. */
  readonly dir: string;
  /** The directory as the user typed it; diagnostics name files as `join(display, relative)`. */
  readonly display: string;
  /** The group's member roles, in manifest order (empty for an agent). */
  readonly roles: readonly string[];
  /**
   * Absolute paths of the declared components that resolved inside the directory, by name:
   * `memory`, `skills`, `goals`, `ledger` for agents; `memory`, `goals`, `ledger`, `treasury` for groups.
   */
  readonly components: Readonly<Record<string, string>>;
  /** Absolute path of the group directory, for a native member agent checked as part of its group. */
  readonly groupDir?: string;
  /** Absolute path of the coordination protocol file (groups that declare one). */
  readonly coordinationRef?: string;
}

/**
 * A check of one part of a Karnel directory (goals, treasury, coordination, memory, ledger …),
 * run by `karnel validate` after manifest validation. It returns positioned diagnostics and must
 * not throw for the user's mistakes; a throw is reported as a `check/crashed` error.
 */
export type DirectoryCheck = (target: ValidationTarget) => Promise<Diagnostic[]>;
