import { describe, expect, it } from 'vitest';
import { generateKeyPair, publicKeyToDid, toBase64Url } from './ed25519';
import { createId } from './ids';
import {
  cognitiveTierSchema,
  identitySchema,
  idSchema,
  isIsoDate,
  isRfc3339,
  timestampSchema,
} from './schemas';

describe('schema building blocks', () => {
  it('checks RFC 3339 timestamps including the calendar', () => {
    expect(isRfc3339('2026-05-03T10:00:00Z')).toBe(true);
    expect(isRfc3339('2026-05-03T10:00:00.123+02:00')).toBe(true);
    expect(isRfc3339('2028-02-29T00:00:00Z')).toBe(true);
    expect(isRfc3339('2026-02-29T00:00:00Z')).toBe(false);
    expect(isRfc3339('2000-02-29T00:00:00Z')).toBe(true);
    expect(isRfc3339('2100-02-29T00:00:00Z')).toBe(false);
    expect(isRfc3339('0100-02-29T00:00:00Z')).toBe(false);
    expect(isRfc3339('2026-04-31T00:00:00Z')).toBe(false);
    expect(isRfc3339('2026-12-31T23:59:60Z')).toBe(true);
    expect(isRfc3339('2026-00-10T00:00:00Z')).toBe(false);
    expect(isRfc3339('2026-05-00T00:00:00Z')).toBe(false);
    expect(isRfc3339('2026-05-03T10:00:00')).toBe(false);
    expect(isRfc3339('2026-05-03')).toBe(false);
    expect(isRfc3339('2026-05-03T24:00:00Z')).toBe(false);
    expect(isIsoDate('2026-04-28')).toBe(true);
    expect(isIsoDate('2026-04-31')).toBe(false);
    expect(timestampSchema.safeParse('yesterday').success).toBe(false);
  });

  it('checks ids and identities with a diagnostic code', () => {
    expect(idSchema('agt').safeParse(createId('agt')).success).toBe(true);
    const failure = idSchema('agt').safeParse(createId('grp'));
    expect(failure.success).toBe(false);
    expect(failure.error?.issues[0]).toMatchObject({ params: { diagnosticCode: 'id/invalid' } });
    const key = generateKeyPair().publicKey;
    expect(identitySchema.safeParse(publicKeyToDid(key)).success).toBe(true);
    expect(identitySchema.safeParse(`ed25519:${toBase64Url(key)}`).success).toBe(true);
    expect(identitySchema.safeParse('did:key:z6Mk...').success).toBe(false);
  });

  it('knows the four cognitive tiers', () => {
    expect(cognitiveTierSchema.options).toEqual([
      'frontier-reasoning',
      'fast-general',
      'bulk-cheap',
      'local-private',
    ]);
    expect(cognitiveTierSchema.safeParse('frontier').success).toBe(false);
  });
});
