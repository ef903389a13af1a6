import { z } from 'zod';
import { skillNameSchema } from './skill-name';

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
  'required_environment_variables',
] as const;

/** The operating systems Hermes Agent knows for `platforms`; others draw a warning. */
export const HERMES_PLATFORMS = ['linux', 'macos', 'windows'] as const;

function boundedText(field: string, max: number) {
  return z.string().superRefine((value, context) => {
    // Count characters (code points), not UTF-16 units: an emoji is one character to a writer.
    const length = [...value].length;
    if (value.trim().length === 0) {
      context.addIssue({
        code: 'custom',
        message: `${field} must not be empty`,
        params: { diagnosticCode: `skill/${field}-empty` },
      });
    } else if (length > max) {
      context.addIssue({
        code: 'custom',
        message: `${field} is ${length} characters long; the limit is ${max}`,
        params: { diagnosticCode: `skill/${field}-too-long` },
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

/**
 * One entry of Hermes' `required_environment_variables`: either the variable's name alone or a
 * mapping that also says how to ask the user for it.
 */
export const requiredEnvironmentVariableSchema = z.union([
  z.string(),
  z.strictObject({
    /** The variable's name, e.g. `GITHUB_TOKEN`. */
    name: z.string(),
    /** The question shown when the variable is missing. */
    prompt: z.string().optional(),
    /** Where to get the value. */
    help: z.string().optional(),
    /** What stops working without it. */
    required_for: z.string().optional(),
  }),
]);

/** The type of {@link requiredEnvironmentVariableSchema}. */
export type RequiredEnvironmentVariable = z.infer<typeof requiredEnvironmentVariableSchema>;

/**
 * `version`: Hermes writes it as text (`1.0.0`), but YAML reads `version: 1.0` as a number;
 * both are accepted and kept as text.
 */
export const skillVersionSchema = z
  .union([z.string(), z.number()])
  .transform((value) => String(value));

const specShape = {
  /** The skill's name: equal to its folder's name (see `explainInvalidSkillName`). */
  name: skillNameSchema,
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
  /** The skill's own version (Hermes). */
  version: skillVersionSchema.optional(),
  /** Who wrote the skill (Hermes). */
  author: z.string().optional(),
  /** Operating systems the skill works on: `linux`, `macos`, `windows` (Hermes). */
  platforms: z.array(z.string()).optional(),
  /** Environment variables the skill's scripts need (Hermes). */
  required_environment_variables: z.array(requiredEnvironmentVariableSchema).optional(),
});

/** Typed SKILL.md frontmatter (default mode, Hermes fields included). */
export type SkillFrontmatter = z.infer<typeof skillFrontmatterSchema>;

/**
 * SKILL.md frontmatter in strict mode: only the specification's fields. The loader turns every
 * other top-level field into an error.
 */
export const strictSkillFrontmatterSchema = z.strictObject(specShape);

/** The tools of `allowed-tools` as a list, whichever form the skill used. */
export function listAllowedTools(value: SkillFrontmatter['allowed-tools']): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return [...value];
  return value.split(/\s+/).filter((tool) => tool.length > 0);
}
