import { KarnelError } from '@karnel/core';
import type { SkillSource } from './skill';

const marker = Symbol.for('karnel.error.ProtectedSkillError');

/**
 * Self-improvement tried to modify a protected skill. Bundled and hub-distributed skills are
 * protected so that an agent cannot quietly rewrite code someone else vouched for; copy the skill
 * under a new name to change it.
 */
export class ProtectedSkillError extends KarnelError {
  private readonly [marker] = true;
  /** The protected skill's name. */
  readonly skillName: string;
  /** Where the skill was found. */
  readonly source: SkillSource;
  /** The skill's folder. */
  readonly dir: string;

  constructor({ skillName, source, dir }: { skillName: string; source: SkillSource; dir: string }) {
    super({
      name: 'ProtectedSkillError',
      message: `Skill "${skillName}" (${source}, ${dir}) is protected and may not be modified; copy it under a new name instead`,
    });
    this.skillName = skillName;
    this.source = source;
    this.dir = dir;
  }

  /** Whether `error` is a {@link ProtectedSkillError} from any copy of this package. */
  static override isInstance(error: unknown): error is ProtectedSkillError {
    return KarnelError.hasMarker(error, 'karnel.error.ProtectedSkillError');
  }
}
