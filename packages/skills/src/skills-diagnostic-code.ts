import { createDiagnostic, type Diagnostic, type Severity } from '@karnel/core';

/**
 * Every diagnostic code `@karnel/skills` emits itself, so a program can switch over them and a
 * typo in a code is a type error. The readers it uses from `@karnel/core` add their own
 * (`file/*`, `yaml/*`, `schema/*`).
 */
export const SKILLS_DIAGNOSTIC_CODES = [
  // Discovery: what was found, skipped or could not be read.
  'skill/missing-root',
  'skill/root-not-a-folder',
  'skill/unreadable-folder',
  'skill/too-deep',
  'skill/too-many-folders',
  'skill/symlink-outside',
  'skill/symlink-loop',
  'skill/dangling-symlink',
  'skill/shadowed',
  'skill/duplicate-name',
  // One skill folder.
  'skill/missing-folder',
  'skill/not-a-folder',
  'skill/missing-skill-md',
  'skill/multiple-manifests',
  'skill/lowercase-file-name',
  'skill/missing-frontmatter',
  'skill/unclosed-frontmatter',
  'skill/long-body',
  'skill/karnel-yml',
  // Names.
  'skill/name-empty',
  'skill/name-too-long',
  'skill/name-uppercase',
  'skill/name-invalid-start',
  'skill/name-edge-hyphen',
  'skill/name-consecutive-hyphens',
  'skill/name-invalid',
  'skill/name-not-portable',
  'skill/name-mismatch',
  // Frontmatter fields.
  'skill/description-empty',
  'skill/description-too-long',
  'skill/compatibility-empty',
  'skill/compatibility-too-long',
  'skill/unknown-field',
  'skill/non-spec-field',
  'skill/metadata-not-string',
  'skill/unknown-platform',
  'skill/credential-file-escapes',
  // karnel.yaml and *.skill.json.
  'skill/invalid-provenance-source',
  'skill/invalid-usage',
  'skill/invalid-capability',
  'skill/invalid-sha256',
  'skill/duplicate-execution',
  'skill/invalid-native-entry',
  'skill/sha256-ignored',
  'skill/entry-escapes',
  'skill/entry-missing',
  'skill/entry-not-a-file',
  'skill/entry-extension',
  'skill/missing-sha256',
  'skill/sha256-mismatch',
  'skill/filesystem-escapes',
  'skill/network-disabled',
  // Import.
  'skill/import-symlink',
  'skill/already-exists',
] as const;

/** One of {@link SKILLS_DIAGNOSTIC_CODES}. */
export type SkillsDiagnosticCode = (typeof SKILLS_DIAGNOSTIC_CODES)[number];

/** `createDiagnostic` with the code checked against {@link SkillsDiagnosticCode}. */
export function createSkillDiagnostic(diagnostic: {
  file: string;
  code: SkillsDiagnosticCode;
  message: string;
  severity?: Severity;
  line?: number;
  column?: number;
  hint?: string | undefined;
}): Diagnostic {
  const { hint, ...rest } = diagnostic;
  return createDiagnostic(hint === undefined ? rest : { ...rest, hint });
}
