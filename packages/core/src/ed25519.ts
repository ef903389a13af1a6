import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { base58, base64urlnopad } from '@scure/base';
import { InvalidArgumentError } from './errors';

function ensureSha512(): void {
  // @noble/ed25519 needs a synchronous SHA-512 for its synchronous API; set it lazily so that
  // importing this module has no side effects.
  if (!ed.hashes.sha512) ed.hashes.sha512 = sha512;
}

/** An ed25519 key pair: 32-byte secret seed and 32-byte public key. */
export interface KeyPair {
  /** The 32-byte secret key (seed). Keep it in a file with mode 0600. */
  readonly secretKey: Uint8Array;
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
}

/**
 * An identity that can sign: an owner, a delegate, or a worker. Code that records who did what
 * (ledger entries, approvals, grants) takes a `Signer`, never a raw secret key.
 */
export interface Signer {
  /** The 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The identity as a `did:key:z6Mk…` string. */
  readonly did: string;
  /** Signs `message` (RFC 8032 Ed25519, deterministic). */
  sign(message: Uint8Array): Uint8Array;
}

/** Generates a new random ed25519 key pair from the platform's CSPRNG. */
export function generateKeyPair(): KeyPair {
  ensureSha512();
  const { secretKey, publicKey } = ed.keygen();
  return { secretKey, publicKey };
}

/** Derives the key pair of a 32-byte secret seed. */
export function keyPairFromSecretKey(secretKey: Uint8Array): KeyPair {
  ensureSha512();
  if (secretKey.length !== 32) {
    throw new InvalidArgumentError({
      argument: 'secretKey',
      value: secretKey.length,
      message: 'must be 32 bytes',
    });
  }
  return { secretKey, publicKey: ed.getPublicKey(secretKey) };
}

/** Creates a {@link Signer} for a secret key. */
export function createSigner(secretKey: Uint8Array): Signer {
  const pair = keyPairFromSecretKey(secretKey);
  return {
    publicKey: pair.publicKey,
    did: publicKeyToDid(pair.publicKey),
    sign: (message) => {
      ensureSha512();
      return ed.sign(message, pair.secretKey);
    },
  };
}

/**
 * Verifies an ed25519 signature with RFC 8032 strict rules (not ZIP-215): non-canonical
 * encodings and small-order keys are rejected. Returns `false`, never throws, for malformed
 * input of the right types.
 */
export function verifySignature(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  ensureSha512();
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

const ED25519_MULTICODEC = new Uint8Array([0xed, 0x01]);

/** Encodes an ed25519 public key as a `did:key` identifier (multibase base58btc, multicodec 0xed). */
export function publicKeyToDid(publicKey: Uint8Array): string {
  const bytes = new Uint8Array(34);
  bytes.set(ED25519_MULTICODEC, 0);
  bytes.set(publicKey, 2);
  return `did:key:z${base58.encode(bytes)}`;
}

/**
 * Parses an identity string into an ed25519 public key. Accepts `did:key:z6Mk…` (ed25519
 * did:key) and `ed25519:<base64url>` or `ed25519:<hex>` public keys. Returns `undefined` for
 * anything else, including did:keys of other key types.
 */
export function parsePublicKey(identity: string): Uint8Array | undefined {
  if (identity.startsWith('did:key:z')) {
    let bytes: Uint8Array;
    try {
      bytes = base58.decode(identity.slice('did:key:z'.length));
    } catch {
      return undefined;
    }
    if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return undefined;
    return bytes.slice(2);
  }
  if (identity.startsWith('ed25519:')) {
    const body = identity.slice('ed25519:'.length);
    if (/^[0-9a-fA-F]{64}$/.test(body)) return new Uint8Array(Buffer.from(body, 'hex'));
    try {
      const bytes = base64urlnopad.decode(body);
      return bytes.length === 32 ? bytes : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Encodes bytes as unpadded base64url, the encoding Karnel files use for keys and signatures. */
export function toBase64Url(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Decodes unpadded base64url; returns `undefined` when `text` is not valid base64url. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  try {
    return base64urlnopad.decode(text);
  } catch {
    return undefined;
  }
}
