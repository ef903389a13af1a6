import { KarnelError } from '@karnel/core';

const marker = Symbol.for('karnel.error.GoalNotFoundError');

/** A goal id passed to an update does not exist in the goals file. */
export class GoalNotFoundError extends KarnelError {
  private readonly [marker] = true;
  /** The id that was asked for. */
  readonly goalId: string;
  /** The goals file searched. */
  readonly path: string;

  constructor({
    goalId,
    path,
    suggestion,
  }: { goalId: string; path: string; suggestion?: string | undefined }) {
    super({
      name: 'GoalNotFoundError',
      message: `No goal "${goalId}" in ${path}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
    });
    this.goalId = goalId;
    this.path = path;
  }

  /** Whether `error` is a {@link GoalNotFoundError} from any copy of this package. */
  static override isInstance(error: unknown): error is GoalNotFoundError {
    return KarnelError.hasMarker(error, 'karnel.error.GoalNotFoundError');
  }
}
