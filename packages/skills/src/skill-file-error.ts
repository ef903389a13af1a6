import { KarnelError } from '@karnel/core';

const marker = Symbol.for('karnel.error.SkillFileError');

/** Why a skill's file could not be given out. */
export type SkillFileErrorReason =
  | 'absolute'
  | 'escapes'
  | 'symlink-escapes'
  | 'missing'
  | 'not-a-file'
  | 'too-large'
  | 'not-utf8'
  | 'unreadable';

/**
 * A file of a skill could not be read: the path leaves the skill folder (refused before any
 * read), or the file is missing, too large or not text.
 */
export class SkillFileError extends KarnelError {
  private readonly [marker] = true;
  /** The skill's name. */
  readonly skillName: string;
  /** The path as requested. */
  readonly path: string;
  /** Why it was refused. */
  readonly reason: SkillFileErrorReason;

  constructor({
    skillName,
    path,
    reason,
    message,
  }: { skillName: string; path: string; reason: SkillFileErrorReason; message: string }) {
    super({ name: 'SkillFileError', message: `Skill "${skillName}": ${message}` });
    this.skillName = skillName;
    this.path = path;
    this.reason = reason;
  }

  /** Whether `error` is a {@link SkillFileError} from any copy of this package. */
  static override isInstance(error: unknown): error is SkillFileError {
    return KarnelError.hasMarker(error, 'karnel.error.SkillFileError');
  }
}
