import { z } from 'zod';
import {
  capabilitySchema,
  sandboxSchema,
  sha256DigestSchema,
  skillRuntimeSchema,
} from './execution-schema';
import { descriptionSchema, skillVersionSchema } from './frontmatter-schema';
import { skillNameSchema } from './skill-name';

/**
 * A Karneleon skill manifest (`<name>.skill.json` or `skill.manifest.json`). Karnel also accepts
 * `entry`, `sha256`, `sandbox.timeout_ms` and `sandbox.filesystem`; without `entry`, the
 * runtime's conventional file is used (see `DEFAULT_ENTRIES`).
 */
export const skillJsonSchema = z.strictObject({
  /** The skill's name; equal to its folder's name. */
  name: skillNameSchema,
  /** What the skill does. */
  description: descriptionSchema,
  /** `node`, `python`, `wasm` or `native`. */
  runtime: skillRuntimeSchema,
  /** The skill's own version. */
  version: skillVersionSchema.optional(),
  /** The file to run, relative to the skill folder (Karnel extension). */
  entry: z.string().min(1).optional(),
  /** SHA-256 of the entry file (Karnel extension; required for `wasm`). */
  sha256: sha256DigestSchema.optional(),
  /** Capabilities the skill needs. */
  capabilities_required: z.array(capabilitySchema).optional(),
  /** Sandbox limits. */
  sandbox: sandboxSchema.optional(),
  /** Free metadata (`emoji`, `tags` …), kept as written. */
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** The typed content of a `*.skill.json`. */
export type SkillJson = z.infer<typeof skillJsonSchema>;
