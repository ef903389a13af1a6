import {
  canonicalJson,
  fromBase64Url,
  parsePublicKey,
  type Signer,
  toBase64Url,
  verifySignature,
} from '@karnel/core';

/**
 * Signs the RFC 8785 canonical JSON of `payload` (without any `signature` member), so that a
 * signature survives re-serialisation by any JSON tool and covers every field.
 */
export function signPayload(payload: Record<string, unknown>, signer: Signer): string {
  const { signature: _ignored, ...rest } = payload;
  return toBase64Url(signer.sign(new TextEncoder().encode(canonicalJson(rest))));
}

/**
 * Verifies a signature made by {@link signPayload} with the public key of `identity`
 * (did:key or `ed25519:`). Returns `false`, never throws, for malformed input.
 */
export function verifyPayload(
  payload: Record<string, unknown>,
  signature: unknown,
  identity: unknown,
): boolean {
  if (typeof signature !== 'string' || typeof identity !== 'string') return false;
  const publicKey = parsePublicKey(identity);
  const signatureBytes = fromBase64Url(signature);
  if (!publicKey || !signatureBytes) return false;
  const { signature: _ignored, ...rest } = payload;
  let message: Uint8Array;
  try {
    message = new TextEncoder().encode(canonicalJson(rest));
  } catch {
    return false;
  }
  return verifySignature(signatureBytes, message, publicKey);
}

/** Whether two identities name the same ed25519 key (did:key and ed25519: forms compare equal). */
export function sameIdentity(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a === b) return true;
  const keyA = parsePublicKey(a);
  const keyB = parsePublicKey(b);
  return keyA !== undefined && keyB !== undefined && Buffer.from(keyA).equals(Buffer.from(keyB));
}
