import { KarnelError } from '@karnel/core';

const marker = Symbol.for('karnel.error.SkillNotFoundError');

/** A skill library was asked for a skill it does not hold. */
export class SkillNotFoundError extends KarnelError {
  private readonly [marker] = true;
  /** The name that was asked for. */
  readonly skillName: string;
  /** The closest name the library does hold, if one is near. */
  readonly suggestion?: string;

  constructor({ skillName, suggestion }: { skillName: string; suggestion?: string }) {
    super({
      name: 'SkillNotFoundError',
      message: `No skill named "${skillName}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
    });
    this.skillName = skillName;
    this.suggestion = suggestion;
  }

  /** Whether `error` is a {@link SkillNotFoundError} from any copy of this package. */
  static override isInstance(error: unknown): error is SkillNotFoundError {
    return KarnelError.hasMarker(error, 'karnel.error.SkillNotFoundError');
  }
}
