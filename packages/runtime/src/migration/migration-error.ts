import { KarnelError } from '@karnel/core';

const markerName = 'karnel.error.MigrationError';
const marker = Symbol.for(markerName);

/** Why a migration step refused (Annex E, section 8). */
export type MigrationErrorCode =
  | 'migration/running'
  | 'migration/not-owner'
  | 'migration/not-a-group'
  | 'migration/unsafe-path'
  | 'migration/hash-mismatch'
  | 'migration/missing-file'
  | 'migration/extra-file'
  | 'migration/bad-signature'
  | 'migration/malformed-bundle'
  | 'migration/ledger'
  | 'migration/invalid'
  | 'migration/destination'
  | 'migration/changed';

/**
 * A migration step refused: the group is still running, a key is not the owner's, or a bundle
 * does not hold exactly what its owner signed. `problems` names every file or entry at fault;
 * nothing was written at the destination.
 */
export class MigrationError extends KarnelError {
  private readonly [marker] = true;
  /** The diagnostic code of the first problem. */
  readonly code: MigrationErrorCode;
  /** One line per problem, each naming the file or entry. */
  readonly problems: readonly string[];

  /** @param options - the code, the problems, and an optional cause. */
  constructor({
    code,
    problems,
    cause,
  }: {
    code: MigrationErrorCode;
    problems: readonly string[];
    cause?: unknown;
  }) {
    super({
      name: 'MigrationError',
      message:
        problems.length === 1
          ? (problems[0] ?? code)
          : `${problems.length} problems:\n${problems.map((line) => `  ${line}`).join('\n')}`,
      cause,
    });
    this.code = code;
    this.problems = problems;
  }

  /** Whether `error` is a {@link MigrationError} from any copy of this package. */
  static override isInstance(error: unknown): error is MigrationError {
    return KarnelError.hasMarker(error, markerName);
  }
}
