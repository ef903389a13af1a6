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

// C0 controls (NUL, escape, carriage return, line feed …), DEL and C1 controls. A name or path
// holding one can rewrite a terminal line or cut a path short (NUL), so they are refused.
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

/** Whether `text` holds no control character (C0, DEL or C1): safe in a path or one terminal line. */
export function hasNoControlCharacters(text: string): boolean {
  return !controlCharacters.test(text);
}

/**
 * A one-line string that may become a path or be printed to a terminal: control characters
 * (NUL, escape, carriage return, line feed, DEL, C1) are refused with `text/control-character`.
 */
export function singleLineText(): z.ZodString {
  return z.string().refine(hasNoControlCharacters, {
    message:
      'must not contain control characters (NUL, escape, line breaks …); they can cut paths short or rewrite terminal output',
    params: { diagnosticCode: 'text/control-character' },
  });
}

const emailPattern = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;
const handlePattern = /^@[A-Za-z0-9._-]{1,64}(:[A-Za-z0-9.-]{1,253})?$/;
const contactProtocols = new Set(['https:', 'http:', 'mailto:']);

/**
 * Whether `text` is a contact Karnel accepts: an e-mail address (`owner@example.com`), an
 * `https:`, `http:` or `mailto:` URL, or a chat handle starting with `@` (`@alice`, or a Matrix
 * id `@alice:example.org`). At most 320 characters, no spaces or control characters.
 */
export function isContact(text: string): boolean {
  if (text.length === 0 || text.length > 320 || !hasNoControlCharacters(text)) return false;
  if (emailPattern.test(text) || handlePattern.test(text)) return true;
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return contactProtocols.has(url.protocol) && (url.protocol === 'mailto:' || url.host !== '');
}

/** How to reach a person: an e-mail address, an http(s) or mailto URL, or an `@handle`. */
export const contactSchema = z
  .string()
  .refine(isContact, {
    message:
      'must be an e-mail address (owner@example.com), an https:, http: or mailto: URL, or an @handle (@alice, @alice:example.org)',
    params: { diagnosticCode: 'contact/invalid' },
  })
  .meta({
    description:
      'How to reach the person: an e-mail address, an https:/http:/mailto: URL, or a chat handle starting with "@" (e.g. a Matrix id "@alice:example.org"). At most 320 characters.',
  });

/** A display name for an agent or group. */
export const nameSchema = singleLineText()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .meta({
    description: 'A short human-readable name (1–128 characters); unlike the id it may change.',
  });

/** A path written in a manifest, relative to the directory that holds the manifest. */
export const relativePathSchema = singleLineText().min(1, 'must not be empty').meta({
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
export const cadenceSchema = singleLineText().min(1, 'must not be empty').meta({
  description:
    'When the member runs: a named cadence ("hourly", "daily", "weekly", "biweekly", "monthly", "quarterly", "on_demand", "on_escalation", "per_run", "per_publication", "per_pull_request"), a cron expression ("0 8 * * 1"), or parts joined with "+" ("weekly + on_escalation").',
});
