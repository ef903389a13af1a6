import { z } from 'zod';
import type { SkillValidationMode } from './skill-validation-mode';
import type { SkillsDiagnosticCode } from './skills-diagnostic-code';

/** The longest skill name the Agent Skills specification (and Hermes Agent) allows. */
export const MAX_SKILL_NAME_LENGTH = 64;

/**
 * A skill name by the Agent Skills specification (strict mode): lowercase ASCII letters and
 * digits in groups joined by single hyphens, so it can never start or end with a hyphen or
 * contain `--`.
 */
export const SKILL_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * A skill name as Hermes Agent accepts it (default mode): a lowercase ASCII letter or digit,
 * then lowercase letters, digits, `.`, `_` and `-` (`llama.cpp`, `google_workspace`). It cannot
 * be `.` or `..`, so it is always a safe folder name.
 */
export const HERMES_SKILL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** Why a name is not a valid skill name, as a diagnostic code and one sentence. */
export interface SkillNameProblem {
  /** Stable diagnostic code (`skill/name-uppercase`, `skill/name-consecutive-hyphens` …). */
  readonly code: SkillsDiagnosticCode;
  /** What is wrong, in a sentence a user can act on. */
  readonly message: string;
}

/**
 * Explains why `name` is not a valid skill name in `mode` (default `default`, Hermes' rule;
 * `strict` is the specification's), or returns `undefined` when it is.
 *
 * The checks run from the most specific to the most general, so a user who typed `My-Skill`
 * hears "use lowercase" rather than "invalid characters".
 */
export function explainInvalidSkillName(
  name: string,
  mode: SkillValidationMode = 'default',
): SkillNameProblem | undefined {
  if (name.length === 0) return { code: 'skill/name-empty', message: 'the skill name is empty' };
  if (name.length > MAX_SKILL_NAME_LENGTH) {
    return {
      code: 'skill/name-too-long',
      message: `the skill name is ${name.length} characters long; the limit is ${MAX_SKILL_NAME_LENGTH}`,
    };
  }
  const pattern = mode === 'strict' ? SKILL_NAME_PATTERN : HERMES_SKILL_NAME_PATTERN;
  if (pattern.test(name)) return undefined;
  if (name !== name.toLowerCase() && pattern.test(name.toLowerCase())) {
    return {
      code: 'skill/name-uppercase',
      message: `skill name "${name}" must be lowercase ("${name.toLowerCase()}")`,
    };
  }
  if (mode === 'default') {
    if (/^[._-]/.test(name)) {
      return {
        code: 'skill/name-invalid-start',
        message: `skill name "${name}" must start with a lowercase letter or a digit`,
      };
    }
    return {
      code: 'skill/name-invalid',
      message: `skill name "${name}" may only contain lowercase letters a-z, digits, ".", "_" and "-"`,
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
    message: `skill name "${name}" may only contain lowercase letters a-z, digits and single hyphens${HERMES_SKILL_NAME_PATTERN.test(name) ? ' (Hermes Agent accepts it; validate in default mode)' : ''}`,
  };
}

/** Whether `name` is a valid skill name in `mode` (see {@link explainInvalidSkillName}). */
export function isSkillName(name: string, mode: SkillValidationMode = 'default'): boolean {
  return explainInvalidSkillName(name, mode) === undefined;
}

function nameSchema(mode: SkillValidationMode) {
  return z.string().superRefine((value, context) => {
    const problem = explainInvalidSkillName(value, mode);
    if (problem)
      context.addIssue({
        code: 'custom',
        message: problem.message,
        params: { diagnosticCode: problem.code },
      });
  });
}

/**
 * A zod schema for a skill name by Hermes Agent's rule (default mode). Each failure carries the
 * specific diagnostic code of {@link explainInvalidSkillName}, so validators point at the exact
 * rule that was broken.
 */
export const skillNameSchema = nameSchema('default');

/** A zod schema for a skill name by the Agent Skills specification's rule (strict mode). */
export const strictSkillNameSchema = nameSchema('strict');
