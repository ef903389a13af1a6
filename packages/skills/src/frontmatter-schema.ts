import { z } from 'zod';
import { skillNameSchema, strictSkillNameSchema } from './skill-name';
import type { SkillsDiagnosticCode } from './skills-diagnostic-code';

/** The longest `description` the Agent Skills specification allows. */
export const MAX_DESCRIPTION_LENGTH = 1024;

/** The longest `compatibility` the Agent Skills specification allows. */
export const MAX_COMPATIBILITY_LENGTH = 500;

/**
 * The frontmatter fields the Agent Skills specification defines. Strict mode accepts exactly
 * these at the top level.
 */
export const SPEC_FRONTMATTER_FIELDS = [
  'name',
  'description',
  'license',
  'compatibility',
  'metadata',
  'allowed-tools',
] as const;

/**
 * The top-level fields Hermes Agent writes beyond the specification. Default mode accepts and
 * keeps them; strict mode reports each as `skill/non-spec-field`.
 */
export const HERMES_FRONTMATTER_FIELDS = [
  'version',
  'author',
  'platforms',
  'environments',
  'prerequisites',
  'setup',
  'required_environment_variables',
  'required_credential_files',
] as const;

/** The operating systems Hermes Agent knows for `platforms`; others draw a warning. */
export const HERMES_PLATFORMS = ['linux', 'macos', 'windows'] as const;

function boundedText(field: 'description' | 'compatibility', max: number) {
  return z.string().superRefine((value, context) => {
    // Count characters (code points), not UTF-16 units: an emoji is one character to a writer.
    const length = [...value].length;
    if (value.trim().length === 0) {
      context.addIssue({
        code: 'custom',
        message: `${field} must not be empty`,
        params: { diagnosticCode: `skill/${field}-empty` satisfies SkillsDiagnosticCode },
      });
    } else if (length > max) {
      context.addIssue({
        code: 'custom',
        message: `${field} is ${length} characters long; the limit is ${max}`,
        params: { diagnosticCode: `skill/${field}-too-long` satisfies SkillsDiagnosticCode },
      });
    }
  });
}

/** `description`: 1–1024 characters, not blank (diagnostics `skill/description-empty`, `skill/description-too-long`). */
export const descriptionSchema = boundedText('description', MAX_DESCRIPTION_LENGTH);

/** `compatibility`: 1–500 characters when present. */
export const compatibilitySchema = boundedText('compatibility', MAX_COMPATIBILITY_LENGTH);

/**
 * `allowed-tools`: the specification accepts a space-delimited string or a list of strings.
 * Both are kept as written; use {@link listAllowedTools} to read them as a list.
 */
export const allowedToolsSchema = z.union([z.string(), z.array(z.string())]);

/** One configuration setting a Hermes skill declares under `metadata.hermes.config`. */
export const hermesConfigSettingSchema = z.looseObject({
  /** Dotted key of the setting in Hermes' `skills.config`. */
  key: z.string(),
  /** What the setting controls. */
  description: z.string().optional(),
  /** The value used when the user sets nothing. */
  default: z.unknown().optional(),
  /** The question Hermes asks during setup. */
  prompt: z.string().optional(),
});

/**
 * `metadata.hermes`: what Hermes Agent keeps under its own metadata key. The known keys are
 * typed; any other `metadata.hermes.*` key is kept as written.
 */
export const hermesMetadataSchema = z.looseObject({
  /** Free-form tags for search and grouping. */
  tags: z.array(z.string()).optional(),
  /** A category (Hermes stores skills in category folders). */
  category: z.string().optional(),
  /** Names of skills that are often used together with this one. */
  related_skills: z.array(z.string()).optional(),
  /** Show the skill only when these toolsets are available. */
  requires_toolsets: z.array(z.string()).optional(),
  /** Show the skill only when these tools are available. */
  requires_tools: z.array(z.string()).optional(),
  /** Show the skill only when these toolsets are missing. */
  fallback_for_toolsets: z.array(z.string()).optional(),
  /** Show the skill only when these tools are missing. */
  fallback_for_tools: z.array(z.string()).optional(),
  /** Non-secret settings the skill reads. */
  config: z.array(hermesConfigSettingSchema).optional(),
});

/** The type of {@link hermesMetadataSchema}. */
export type HermesMetadata = z.infer<typeof hermesMetadataSchema>;

/**
 * `metadata`: the specification's free key-value map. Any key is kept; a `hermes` key, when
 * present, must have Hermes' shape.
 */
export const metadataSchema = z.looseObject({
  /** Hermes Agent's own metadata. */
  hermes: hermesMetadataSchema.optional(),
});

/** Text, or a list of texts: Hermes reads a lone value as a list of one. */
const textOrTextList = z.union([z.string(), z.array(z.string())]);

/**
 * One entry of Hermes' `required_environment_variables`: either the variable's name alone or a
 * mapping that also says how to ask the user for it. Hermes also reads the name from `env_var`.
 */
export const requiredEnvironmentVariableSchema = z.union([
  z.string(),
  z.strictObject({
    /** The variable's name, e.g. `GITHUB_TOKEN`. */
    name: z.string().optional(),
    /** The variable's name, as `setup.collect_secrets` spells it (Hermes reads either). */
    env_var: z.string().optional(),
    /** The question shown when the variable is missing. */
    prompt: z.string().optional(),
    /** Where to get the value. */
    help: z.string().optional(),
    /** What stops working without it. */
    required_for: z.string().optional(),
    /** Whether the skill works without it. */
    optional: z.boolean().optional(),
    /** A page where the value can be obtained (used as `help` when `help` is absent). */
    provider_url: z.string().optional(),
    /** The same as `provider_url`. */
    url: z.string().optional(),
  }),
]);

/** The type of {@link requiredEnvironmentVariableSchema}. */
export type RequiredEnvironmentVariable = z.infer<typeof requiredEnvironmentVariableSchema>;

/**
 * One entry of Hermes' `required_credential_files`: a file under the Hermes home (an OAuth
 * token, a client secret) that Hermes mounts read-only into remote sandboxes. A bare path is
 * accepted as `{ path }`. A path that is absolute or climbs out with `..` draws a warning
 * (`skill/credential-file-escapes`): Hermes refuses to mount it.
 */
export const requiredCredentialFileSchema = z.union([
  z.string(),
  z.strictObject({
    /** The file, relative to the Hermes home (`google_token.json`). */
    path: z.string(),
    /** What the file holds and how it is created. */
    description: z.string().optional(),
  }),
]);

/** The type of {@link requiredCredentialFileSchema}. */
export type RequiredCredentialFile = z.infer<typeof requiredCredentialFileSchema>;

/**
 * Hermes' `prerequisites`: commands that must be on the `PATH` and (the older spelling of
 * `required_environment_variables`) environment variables. Other keys are kept as written.
 */
export const prerequisitesSchema = z.looseObject({
  /** Programs the skill runs (`[curl, jq]`). */
  commands: textOrTextList.optional(),
  /** Environment variables the skill needs (legacy; Hermes merges them into the required ones). */
  env_vars: textOrTextList.optional(),
  /** The same, spelled out. */
  environment_variables: textOrTextList.optional(),
});

/** The type of {@link prerequisitesSchema}. */
export type SkillPrerequisites = z.infer<typeof prerequisitesSchema>;

/** One secret Hermes' setup collects (`setup.collect_secrets`). */
export const collectSecretSchema = z.looseObject({
  /** The environment variable the secret is stored as. */
  env_var: z.string().optional(),
  /** The question shown. */
  prompt: z.string().optional(),
  /** Where to get the secret. */
  provider_url: z.string().optional(),
  /** The same as `provider_url`. */
  url: z.string().optional(),
  /** Whether the value is hidden while typed. */
  secret: z.boolean().optional(),
});

/**
 * Hermes' `setup`: how to get the skill ready. `help` is shown when something is missing;
 * `collect_secrets` (one mapping or a list) names the secrets to ask for. Other keys are kept.
 */
export const setupSchema = z.looseObject({
  /** What to do before the skill works. */
  help: z.string().optional(),
  /** The secrets to ask the user for. */
  collect_secrets: z.union([collectSecretSchema, z.array(collectSecretSchema)]).optional(),
});

/** The type of {@link setupSchema}. */
export type SkillSetup = z.infer<typeof setupSchema>;

/**
 * `version`: Hermes writes it as text (`1.0.0`), but YAML reads `version: 1.0` as a number;
 * both are accepted and kept as text.
 */
export const skillVersionSchema = z
  .union([z.string(), z.number()])
  .transform((value) => String(value));

const specShape = {
  /** The skill's name: equal to its folder's name (see `explainInvalidSkillName`). */
  name: strictSkillNameSchema,
  /** What the skill does and when to use it; agents choose skills by this text. */
  description: descriptionSchema,
  /** A license name or the name of a bundled license file. */
  license: z.string().optional(),
  /** Environment requirements (product, system packages, network access). */
  compatibility: compatibilitySchema.optional(),
  /** Free key-value metadata; `metadata.hermes` is typed. */
  metadata: metadataSchema.optional(),
  /** Tools the skill may use without asking (experimental in the specification). */
  'allowed-tools': allowedToolsSchema.optional(),
};

/**
 * SKILL.md frontmatter in default mode: the specification's fields plus the ones Hermes Agent
 * writes, all kept. A field neither knows is a warning (`schema/unknown-field`) and is dropped
 * from the typed value (it stays in `Skill.rawFrontmatter`).
 */
export const skillFrontmatterSchema = z.strictObject({
  ...specShape,
  /** The skill's name, by Hermes' rule (`.` and `_` allowed; see `explainInvalidSkillName`). */
  name: skillNameSchema,
  /** The skill's own version (Hermes). */
  version: skillVersionSchema.optional(),
  /** Who wrote the skill: a name or a list of names (Hermes). */
  author: textOrTextList.optional(),
  /** Operating systems the skill works on: `linux`, `macos`, `windows` (Hermes; a lone value is a list of one). */
  platforms: textOrTextList.optional(),
  /** Runtime environments the skill is relevant to (`kanban`, `docker`, `s6`); Hermes offers it only there. */
  environments: textOrTextList.optional(),
  /** Commands and environment variables the skill needs (Hermes). */
  prerequisites: prerequisitesSchema.optional(),
  /** How to get the skill ready: help text and secrets to collect (Hermes). */
  setup: setupSchema.optional(),
  /** Environment variables the skill's scripts need (Hermes; one mapping or a list). */
  required_environment_variables: z
    .union([requiredEnvironmentVariableSchema, z.array(requiredEnvironmentVariableSchema)])
    .optional(),
  /** Credential files, relative to the Hermes home, mounted read-only into sandboxes (Hermes). */
  required_credential_files: z.array(requiredCredentialFileSchema).optional(),
});

/**
 * The schema strict mode checks a SKILL.md against before refusing non-specification fields:
 * the default schema with the specification's name rule.
 */
export const strictNamedSkillFrontmatterSchema = skillFrontmatterSchema.extend({
  name: strictSkillNameSchema,
});

/** Typed SKILL.md frontmatter (default mode, Hermes fields included). */
export type SkillFrontmatter = z.infer<typeof skillFrontmatterSchema>;

/**
 * SKILL.md frontmatter in strict mode: only the specification's fields. The loader turns every
 * other top-level field into an error.
 */
export const strictSkillFrontmatterSchema = z.strictObject(specShape);

/** A field that Hermes accepts as one text or a list, read as a list. */
export function listOf(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** The tools of `allowed-tools` as a list, whichever form the skill used. */
export function listAllowedTools(value: SkillFrontmatter['allowed-tools']): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return [...value];
  return value.split(/\s+/).filter((tool) => tool.length > 0);
}
