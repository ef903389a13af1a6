import { ID_PREFIXES, identitySchema, idSchema, timestampSchema } from '@karnel/core';
import { z } from 'zod';
import { CURRENT_SPEC_VERSION } from './spec-version';

const ulidPattern = '[0-9A-HJKMNP-TV-Z]{26}';

/**
 * `karnel_spec_version`: the version of the Karnel format a file is written in. The schema only
 * requires a string; {@link checkSpecVersion} decides whether it is readable.
 */
export const specVersionSchema = z.string().meta({
  description: `The Karnel format version this file is written in, as a quoted "MAJOR.MINOR" string. This validator reads ${CURRENT_SPEC_VERSION} and upgrades 0.1.`,
  pattern: '^\\d+\\.\\d+$',
  examples: [CURRENT_SPEC_VERSION],
});

/** An agent id: `agt_` followed by a ULID. */
export const agentIdSchema = idSchema(ID_PREFIXES.agent).meta({
  description:
    'Immutable agent id: "agt_" followed by a 26-character ULID (uppercase Crockford base32).',
  pattern: `^agt_${ulidPattern}$`,
});

/** A group id: `grp_` followed by a ULID. */
export const groupIdSchema = idSchema(ID_PREFIXES.group).meta({
  description:
    'Immutable group id: "grp_" followed by a 26-character ULID (uppercase Crockford base32).',
  pattern: `^grp_${ulidPattern}$`,
});

/** An RFC 3339 timestamp with an explicit offset. */
export const createdAtSchema = timestampSchema.meta({
  description:
    'When the entity was created: an RFC 3339 date-time with an offset, e.g. "2026-05-03T10:00:00Z".',
  format: 'date-time',
});

/** An owner identity: an ed25519 `did:key` or an `ed25519:` public key. */
export const ownerSchema = identitySchema.meta({
  description:
    'The single owner: an ed25519 did:key ("did:key:z6Mk…") or a raw public key ("ed25519:<base64url>").',
  pattern: '^(did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+|ed25519:[A-Za-z0-9_-]+)$',
});

/** A display name for an agent or group. */
export const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .meta({
    description: 'A short human-readable name (1–128 characters); unlike the id it may change.',
  });

/** A path written in a manifest, relative to the directory that holds the manifest. */
export const relativePathSchema = z.string().min(1, 'must not be empty').meta({
  description:
    'A path relative to the directory holding this file. It must stay inside that directory: no absolute paths, no ".." that climbs out, no symlink that leads out.',
});

/**
 * Constraints on an agent or group. Hard constraints are rules a runtime enforces as gates; soft
 * ones are preferences it passes to the model. Both are kept as free text here: turning
 * structured hard constraints into gates is the policy layer's job.
 */
export const constraintsSchema = z
  .strictObject({
    /** Rules a runtime enforces as gates. */
    hard: z.array(z.string().min(1, 'must not be empty')).default([]).meta({
      description: 'Rules a runtime must enforce as gates (it refuses or asks for approval).',
    }),
    /** Preferences a runtime passes to the model. */
    soft: z.array(z.string().min(1, 'must not be empty')).default([]).meta({
      description: 'Preferences a runtime passes to the model; breaking one is not an error.',
    }),
  })
  .meta({
    description: 'Hard constraints (enforced as gates) and soft constraints (preferences).',
  });

/** The type of {@link constraintsSchema}'s output. */
export type Constraints = z.infer<typeof constraintsSchema>;

/** A member role: an identifier other files (coordination, goals, treasury) refer to. */
export const roleSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]*$/,
    'a role is lowercase letters, digits, "_" and "-", starting with a letter (e.g. "human_owner")',
  )
  .meta({
    description:
      "The member's role in the group, unique within it; coordination, goals and treasury files refer to members by role.",
  });

/** How often a member runs, in the group's vocabulary (`daily`, `weekly`, `per_publication` …). */
export const cadenceSchema = z.string().min(1, 'must not be empty').meta({
  description:
    'When the member runs: a word the scheduler understands ("daily", "weekly", "per_publication", "on_demand") or an expression such as "weekly_cron + on_escalation".',
});
