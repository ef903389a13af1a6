import { z } from 'zod';
import { parsePublicKey } from './ed25519';
import { explainInvalidId, type Id, type IdPrefix } from './ids';

/**
 * A zod schema for an id with the given prefix (`agt_<ULID>` …). Failures carry the diagnostic
 * code `id/invalid` and say exactly what is wrong (prefix, length, alphabet).
 */
export function idSchema<P extends IdPrefix>(prefix: P): z.ZodType<Id<P>, string> {
  return z.string().superRefine((value, context) => {
    const problem = explainInvalidId(value, prefix);
    if (problem)
      context.addIssue({
        code: 'custom',
        message: problem,
        params: { diagnosticCode: 'id/invalid' },
      });
  }) as unknown as z.ZodType<Id<P>, string>;
}

const rfc3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Whether `value` is an RFC 3339 date-time with an explicit offset (`2026-05-03T10:00:00Z`),
 * including calendar checks (no February 30th).
 */
export function isRfc3339(value: string): boolean {
  const match = rfc3339.exec(value);
  if (!match) return false;
  const month = Number(match[2]);
  if (month < 1 || month > 12) return false;
  if (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6]) > 60) return false;
  const year = Number(match[1]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const day = Number(match[3]);
  return day >= 1 && day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** Days in each month of a common year. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** A zod schema for an RFC 3339 timestamp string (diagnostic code `time/invalid`). */
export const timestampSchema = z.string().superRefine((value, context) => {
  if (!isRfc3339(value)) {
    context.addIssue({
      code: 'custom',
      message: `"${value}" is not an RFC 3339 timestamp (e.g. 2026-05-03T10:00:00Z)`,
      params: { diagnosticCode: 'time/invalid' },
    });
  }
});

/** Whether `value` is a calendar date `YYYY-MM-DD` that exists. */
export function isIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  return isRfc3339(`${value}T00:00:00Z`);
}

/** A zod schema for an owner or signer identity: an ed25519 `did:key` or `ed25519:` public key. */
export const identitySchema = z.string().superRefine((value, context) => {
  if (!parsePublicKey(value)) {
    context.addIssue({
      code: 'custom',
      message: `"${value}" is not an ed25519 did:key (did:key:z6Mk…) or public key (ed25519:<base64url>)`,
      params: { diagnosticCode: 'identity/invalid' },
    });
  }
});

/** The four cognitive tiers of the Karnel format (Annex D). */
export const COGNITIVE_TIERS = [
  'frontier-reasoning',
  'fast-general',
  'bulk-cheap',
  'local-private',
] as const;

/** One of {@link COGNITIVE_TIERS}. */
export type CognitiveTier = (typeof COGNITIVE_TIERS)[number];

/** A zod schema for a cognitive tier name. */
export const cognitiveTierSchema: z.ZodEnum<Record<CognitiveTier, CognitiveTier>> =
  z.enum(COGNITIVE_TIERS);
