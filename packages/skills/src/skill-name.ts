import { z } from 'zod';

/** The longest skill name the Agent Skills specification allows. */
export const MAX_SKILL_NAME_LENGTH = 64;

/**
 * A valid skill name: lowercase ASCII letters and digits in groups joined by single hyphens, so
 * it can never start or end with a hyphen or contain `--`.
 */
export const SKILL_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Why a name is not a valid skill name, as a diagnostic code and one sentence. */
export interface SkillNameProblem {
  /** Stable diagnostic code (`skill/name-uppercase`, `skill/name-consecutive-hyphens` …). */
  readonly code: string;
  /** What is wrong, in a sentence a user can act on. */
  readonly message: string;
}

/**
 * Explains why `name` is not a valid skill name, or returns `undefined` when it is.
 *
 * The checks run from the most specific to the most general, so a user who typed `My-Skill`
 * hears "use lowercase" rather than "invalid characters".
 */
export function explainInvalidSkillName(name: string): SkillNameProblem | undefined {
  if (name.length === 0) return { code: 'skill/name-empty', message: 'the skill name is empty' };
  if (name.length > MAX_SKILL_NAME_LENGTH) {
    return {
      code: 'skill/name-too-long',
      message: `the skill name is ${name.length} characters long; the limit is ${MAX_SKILL_NAME_LENGTH}`,
    };
  }
  if (SKILL_NAME_PATTERN.test(name)) return undefined;
  if (name !== name.toLowerCase() && SKILL_NAME_PATTERN.test(name.toLowerCase())) {
    return {
      code: 'skill/name-uppercase',
      message: `skill name "${name}" must be lowercase ("${name.toLowerCase()}")`,
    };
  }
  if (name.startsWith('-') || name.endsWith('-')) {
    return {
      code: 'skill/name-edge-hyphen',
      message: `skill name "${name}" must not start or end with a hyphen`,
    };
  }
  if (name.includes('--')) {
    return {
      code: 'skill/name-consecutive-hyphens',
      message: `skill name "${name}" must not contain consecutive hyphens`,
    };
  }
  return {
    code: 'skill/name-invalid',
    message: `skill name "${name}" may only contain lowercase letters a-z, digits and single hyphens`,
  };
}

/** Whether `name` is a valid skill name (see {@link explainInvalidSkillName}). */
export function isSkillName(name: string): boolean {
  return explainInvalidSkillName(name) === undefined;
}

/**
 * A zod schema for a skill name. Each failure carries the specific diagnostic code of
 * {@link explainInvalidSkillName}, so validators point at the exact rule that was broken.
 */
export const skillNameSchema = z.string().superRefine((value, context) => {
  const problem = explainInvalidSkillName(value);
  if (problem)
    context.addIssue({
      code: 'custom',
      message: problem.message,
      params: { diagnosticCode: problem.code },
    });
});
