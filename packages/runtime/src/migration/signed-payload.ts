import {
  canonicalJson,
  fromBase64Url,
  parsePublicKey,
  type Signer,
  toBase64Url,
  verifySignature,
} from '@karnel/core';

/**
 * Signs the RFC 8785 canonical JSON of `payload` without its `signature` member (the same rule
 * as `@karnel/policy`'s signed records), base64url.
 */
export function signPayload(payload: Record<string, unknown>, signer: Signer): string {
  const { signature: _ignored, ...rest } = payload;
  return toBase64Url(signer.sign(new TextEncoder().encode(canonicalJson(rest))));
}

/** Verifies a {@link signPayload} signature with `identity`'s key; `false` for anything malformed. */
export function verifyPayload(
  payload: Record<string, unknown>,
  signature: unknown,
  identity: unknown,
): boolean {
  if (typeof signature !== 'string' || typeof identity !== 'string') return false;
  const publicKey = parsePublicKey(identity);
  const bytes = fromBase64Url(signature);
  if (!publicKey || !bytes) return false;
  const { signature: _ignored, ...rest } = payload;
  try {
    return verifySignature(bytes, new TextEncoder().encode(canonicalJson(rest)), publicKey);
  } catch {
    return false;
  }
}

/** Whether two identities (did:key or `ed25519:`) name the same key. */
export function sameIdentity(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a === b) return true;
  const keyA = parsePublicKey(a);
  const keyB = parsePublicKey(b);
  return keyA !== undefined && keyB !== undefined && Buffer.from(keyA).equals(Buffer.from(keyB));
}
