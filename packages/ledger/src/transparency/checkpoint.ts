import { createHash } from 'node:crypto';
import {
  createDiagnostic,
  type Diagnostic,
  InvalidArgumentError,
  parsePublicKey,
  type Signer,
  verifySignature,
} from '@karnel/core';

/**
 * A signature line of a checkpoint note (C2SP signed-note format): the key's name, the 4-byte
 * key id derived from name and public key, and the ed25519 signature.
 */
export interface CheckpointSignature {
  /** The key name; Karnel uses the signer's `did:key`, so the name carries the public key. */
  readonly name: string;
  /** First 4 bytes of SHA-256(name, newline, 0x01, public key), hex. */
  readonly keyId: string;
  /** The 64-byte ed25519 signature over the note text, standard base64. */
  readonly signature: string;
}

/**
 * A signed statement of a ledger's size and Merkle root at one moment, in the C2SP
 * `tlog-checkpoint` note format. Kept somewhere the ledger's writer cannot change (another
 * machine, a git repository, a transparency service), it proves later that the ledger still
 * holds those entries unchanged: truncation and rewritten history both show.
 */
export interface Checkpoint {
  /** Identifies the ledger (`karnel.ledger/<hash of entry 0>` by default). */
  readonly origin: string;
  /** Number of entries the root covers. */
  readonly size: number;
  /** RFC 6962 Merkle tree hash of the first `size` entries, lowercase hex. */
  readonly root: string;
  /** Optional extra lines between the root and the blank line. */
  readonly extensions: readonly string[];
  /** Signatures over {@link Checkpoint.text}'s body. */
  readonly signatures: readonly CheckpointSignature[];
  /** The full note (body, blank line, signature lines), exactly as stored and signed. */
  readonly text: string;
}

const SIGNATURE_PREFIX = '\u2014 ';
const ED25519_ALGORITHM = 0x01;

/** The C2SP key id of an ed25519 key called `name`. */
export function checkpointKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(name, 'utf8')
      .update(Buffer.from([0x0a, ED25519_ALGORITHM]))
      .update(publicKey)
      .digest()
      .subarray(0, 4),
  );
}

function noteBody(
  origin: string,
  size: number,
  root: string,
  extensions: readonly string[],
): string {
  if (!origin || /[\n\r]/.test(origin)) {
    throw new InvalidArgumentError({
      argument: 'origin',
      value: origin,
      message: 'must be one non-empty line',
    });
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidArgumentError({
      argument: 'size',
      value: size,
      message: 'must be a non-negative integer',
    });
  }
  if (!/^[0-9a-f]{64}$/.test(root)) {
    throw new InvalidArgumentError({
      argument: 'root',
      value: root,
      message: 'must be 64 lowercase hex digits',
    });
  }
  for (const line of extensions) {
    if (!line || /[\n\r]/.test(line)) {
      throw new InvalidArgumentError({
        argument: 'extensions',
        value: line,
        message: 'each must be one non-empty line',
      });
    }
  }
  const rootBase64 = Buffer.from(root, 'hex').toString('base64');
  return [origin, String(size), rootBase64, ...extensions].map((line) => `${line}\n`).join('');
}

/**
 * Creates a checkpoint for `size` and `root`, signed by every signer. Signer names are their
 * `did:key` identities, which contain no spaces or `+`, as the note format requires.
 */
export function createCheckpoint(
  {
    origin,
    size,
    root,
    extensions = [],
  }: { origin: string; size: number; root: string; extensions?: readonly string[] },
  signers: readonly Signer[],
): Checkpoint {
  const body = noteBody(origin, size, root, extensions);
  const message = Buffer.from(body, 'utf8');
  const signatures = signers.map((signer): CheckpointSignature => {
    const keyId = checkpointKeyId(signer.did, signer.publicKey);
    const signature = signer.sign(new Uint8Array(message));
    return {
      name: signer.did,
      keyId: Buffer.from(keyId).toString('hex'),
      signature: Buffer.from(signature).toString('base64'),
    };
  });
  const lines = signatures.map(
    (signature) =>
      `${SIGNATURE_PREFIX}${signature.name} ${Buffer.concat([Buffer.from(signature.keyId, 'hex'), Buffer.from(signature.signature, 'base64')]).toString('base64')}\n`,
  );
  return {
    origin,
    size,
    root,
    extensions: [...extensions],
    signatures,
    text: `${body}\n${lines.join('')}`,
  };
}

/** The result of {@link parseCheckpoint}. */
export interface ParsedCheckpoint {
  /** The checkpoint, when the text is well formed. */
  readonly checkpoint?: Checkpoint;
  /** Problems, each at its line. */
  readonly diagnostics: Diagnostic[];
}

/** Parses a checkpoint note. Never throws for malformed text; `file` names it in diagnostics. */
export function parseCheckpoint(text: string, file = '<checkpoint>'): ParsedCheckpoint {
  const fail = (line: number, message: string): ParsedCheckpoint => ({
    diagnostics: [createDiagnostic({ file, line, code: 'checkpoint/malformed', message })],
  });
  const split = text.indexOf('\n\n');
  if (split < 0) return fail(1, 'a checkpoint needs a body, a blank line and signature lines');
  const body = text.slice(0, split + 1);
  const bodyLines = body.slice(0, -1).split('\n');
  if (bodyLines.length < 3) return fail(1, 'the body needs origin, size and root lines');
  const [origin, sizeText, rootText, ...extensions] = bodyLines as [
    string,
    string,
    string,
    ...string[],
  ];
  if (!origin) return fail(1, 'the origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    return fail(2, `"${sizeText}" is not a tree size`);
  }
  const rootBytes = Buffer.from(rootText, 'base64');
  if (rootBytes.length !== 32 || rootBytes.toString('base64') !== rootText) {
    return fail(3, 'the root is not a base64 SHA-256 hash');
  }
  if (extensions.some((line) => line === '')) return fail(4, 'extension lines may not be empty');
  const signatureText = text.slice(split + 2);
  if (!signatureText.endsWith('\n'))
    return fail(bodyLines.length + 2, 'the last signature line has no newline');
  const signatures: CheckpointSignature[] = [];
  const signatureLines = signatureText.slice(0, -1).split('\n');
  for (const [index, line] of signatureLines.entries()) {
    const lineNumber = bodyLines.length + 2 + index;
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) return fail(lineNumber, 'a signature line must be "\u2014 <name> <base64>"');
    const bytes = Buffer.from(match[2]!, 'base64');
    if (bytes.length < 5) return fail(lineNumber, 'the signature is too short');
    signatures.push({
      name: match[1]!,
      keyId: bytes.subarray(0, 4).toString('hex'),
      signature: bytes.subarray(4).toString('base64'),
    });
  }
  if (signatures.length === 0)
    return fail(bodyLines.length + 2, 'a checkpoint needs at least one signature');
  return {
    checkpoint: {
      origin,
      size: Number(sizeText),
      root: rootBytes.toString('hex'),
      extensions,
      signatures,
      text,
    },
    diagnostics: [],
  };
}

/** The result of {@link verifyCheckpointSignatures}. */
export interface CheckpointSignatureCheck {
  /** Whether at least one signature is valid and, with `trustedKeys`, from a trusted key. */
  readonly ok: boolean;
  /** Identities whose signatures are valid (trusted or not). */
  readonly validSigners: readonly string[];
  /** Valid signers that are in `trustedKeys` (all valid signers when none were given). */
  readonly trustedSigners: readonly string[];
}

/**
 * Verifies a checkpoint's ed25519 signatures (strict RFC 8032). Names that are not ed25519
 * identities, key ids that do not match, and bad signatures are ignored, as the note format
 * prescribes for unknown keys. With `trustedKeys` (identities), only their signatures count.
 */
export function verifyCheckpointSignatures(
  checkpoint: Checkpoint,
  { trustedKeys }: { trustedKeys?: readonly string[] } = {},
): CheckpointSignatureCheck {
  const split = checkpoint.text.indexOf('\n\n');
  const message = new Uint8Array(Buffer.from(checkpoint.text.slice(0, split + 1), 'utf8'));
  const expectedBody = noteBody(
    checkpoint.origin,
    checkpoint.size,
    checkpoint.root,
    checkpoint.extensions,
  );
  if (split < 0 || checkpoint.text.slice(0, split + 1) !== expectedBody) {
    return { ok: false, validSigners: [], trustedSigners: [] };
  }
  const trusted = trustedKeys
    ? new Set(trustedKeys.map((key) => normalizeIdentity(key)))
    : undefined;
  const validSigners: string[] = [];
  for (const signature of checkpoint.signatures) {
    const publicKey = parsePublicKey(signature.name);
    if (!publicKey) continue;
    if (Buffer.from(checkpointKeyId(signature.name, publicKey)).toString('hex') !== signature.keyId)
      continue;
    if (
      verifySignature(
        new Uint8Array(Buffer.from(signature.signature, 'base64')),
        message,
        publicKey,
      )
    ) {
      validSigners.push(signature.name);
    }
  }
  const trustedSigners = trusted
    ? validSigners.filter((name) => trusted.has(normalizeIdentity(name)))
    : validSigners;
  return { ok: trustedSigners.length > 0, validSigners, trustedSigners };
}

/** Compares identities by public key, so `did:key:…` and `ed25519:…` forms of one key match. */
export function normalizeIdentity(identity: string): string {
  const publicKey = parsePublicKey(identity);
  return publicKey ? Buffer.from(publicKey).toString('hex') : identity;
}
