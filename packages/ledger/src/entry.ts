import { createHash } from 'node:crypto';
import {
  canonicalJson,
  fromBase64Url,
  parsePublicKey,
  toBase64Url,
  verifySignature,
} from '@karnel/core';

/** The version of the on-disk entry format this code writes and reads. */
export const LEDGER_FORMAT_VERSION = 1;

/** The `prev` of the first entry: 64 zeros. */
export const GENESIS_PREV = '0'.repeat(64);

/**
 * The digest of bytes an entry added to a data file (`runs/<id>/steps.jsonl`,
 * `decisions/<id>/context.yaml`, …). Whole files have `offset` 0 and are never written again;
 * append-only files (`append: true`) grow by consecutive chunks, each committed by one entry.
 */
export interface FileDigest {
  /** Path relative to the ledger folder, with `/` separators. */
  readonly path: string;
  /** Byte offset in the file where the added bytes start. */
  readonly offset: number;
  /** Number of bytes added. */
  readonly size: number;
  /** SHA-256 of the added bytes, lowercase hex. */
  readonly sha256: string;
  /** Present (and `true`) for chunks of append-only files. */
  readonly append?: true;
}

/** The signature an entry carries in the spec's reserved `signature` field. */
export interface EntrySignature {
  /** The signer's identity (`did:key:z6Mk…`); equals the entry's committed `signer`. */
  readonly did: string;
  /** Ed25519 signature over the entry's signing message, unpadded base64url. */
  readonly value: string;
}

/** One entry of the chain, as `entries()` and `append()` return it. */
export interface LedgerEntry {
  /** Position in the chain, from 0. */
  readonly seq: number;
  /** Record type, dotted lowercase (`run.step`, `approval.approved`, …). */
  readonly type: string;
  /** When the entry was written (RFC 3339, from the ledger's clock). */
  readonly time: string;
  /** The record's content. */
  readonly body: Record<string, unknown>;
  /** Hash of the previous entry (64 zeros for the first). */
  readonly prev: string;
  /** This entry's hash: the RFC 6962 leaf hash of its canonical bytes, lowercase hex. */
  readonly hash: string;
  /** Digests of the data files this entry added. */
  readonly files: readonly FileDigest[];
  /** The identity that signed the entry, committed inside the hashed bytes. */
  readonly signer?: string;
  /** The signature, when the entry was signed. */
  readonly signature?: EntrySignature;
}

/** The hashed part of an entry, before its hash is known. */
export interface EntryContent {
  /** Position in the chain. */
  readonly seq: number;
  /** Hash of the previous entry. */
  readonly prev: string;
  /** RFC 3339 time. */
  readonly time: string;
  /** Record type. */
  readonly type: string;
  /** Record content. */
  readonly body: Record<string, unknown>;
  /** Data file digests. */
  readonly files: readonly FileDigest[];
  /** Signer identity, when the entry will be signed. */
  readonly signer?: string;
}

const RECORD_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** Whether `type` is a valid record type: dotted lowercase words (`[a-z][a-z0-9_]*`). */
export function isRecordType(type: string): boolean {
  return type.length <= 128 && RECORD_TYPE.test(type);
}

const ENTRY_PREFIX = Buffer.from('{"entry":');
const HASH_KEY = Buffer.from(',"hash":"');
const SIGNING_CONTEXT = Buffer.from('karnel-ledger-entry/v1\n');

/** The bytes an entry's signature covers: a context string and the 32-byte entry hash. */
export function entrySigningMessage(hash: string): Uint8Array {
  return new Uint8Array(Buffer.concat([SIGNING_CONTEXT, Buffer.from(hash, 'hex')]));
}

/** The RFC 6962 leaf hash of an entry's canonical bytes, hex. */
export function hashEntryBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(LEAF_PREFIX).update(bytes).digest('hex');
}
const LEAF_PREFIX = Buffer.from([0]);

/** The result of {@link encodeEntry}. */
export interface EncodedEntry {
  /** The entry as returned to callers. */
  readonly entry: LedgerEntry;
  /** The full line, newline included, ready to append to the chain. */
  readonly line: Buffer;
}

/** Serialises an entry: canonical JSON of the content, its hash, and an optional signature. */
export function encodeEntry(
  content: EntryContent,
  sign?: (message: Uint8Array) => Uint8Array,
): EncodedEntry {
  const hashed = canonicalJson({
    v: LEDGER_FORMAT_VERSION,
    seq: content.seq,
    prev: content.prev,
    time: content.time,
    type: content.type,
    body: content.body,
    files: content.files.length > 0 ? content.files : undefined,
    signer: content.signer,
  });
  const hashedBytes = Buffer.from(hashed, 'utf8');
  const hash = hashEntryBytes(hashedBytes);
  const signature =
    sign && content.signer
      ? { did: content.signer, value: toBase64Url(sign(entrySigningMessage(hash))) }
      : undefined;
  const tail = signature ? `,"signature":${canonicalJson(signature)}}\n` : '}\n';
  const line = Buffer.concat([ENTRY_PREFIX, hashedBytes, HASH_KEY, Buffer.from(`${hash}"${tail}`)]);
  const entry: LedgerEntry = {
    seq: content.seq,
    type: content.type,
    time: content.time,
    // Re-read the body from its canonical form so callers get exactly what a reader will see.
    body: JSON.parse(canonicalJson(content.body)) as Record<string, unknown>,
    prev: content.prev,
    hash,
    files: content.files,
    ...(content.signer ? { signer: content.signer } : {}),
    ...(signature ? { signature } : {}),
  };
  return { entry, line };
}

/** Why a chain line could not be decoded. */
export interface DecodeProblem {
  /** Diagnostic code (`ledger/malformed-entry`, `ledger/hash-mismatch`). */
  readonly code: string;
  /** 1-based byte column in the line where the problem is. */
  readonly column: number;
  /** What is wrong. */
  readonly message: string;
}

/** The result of {@link decodeEntryLine}. */
export type DecodeResult =
  | { readonly ok: true; readonly entry: LedgerEntry }
  | { readonly ok: false; readonly problem: DecodeProblem };

const HEX64 = /^[0-9a-f]{64}$/;

function malformed(message: string, column = 1): DecodeResult {
  return { ok: false, problem: { code: 'ledger/malformed-entry', column, message } };
}

/**
 * Decodes one chain line (without its newline) and checks that its stored hash is the hash of
 * its content. Does not check the link to the previous entry or signatures.
 */
export function decodeEntryLine(line: Buffer): DecodeResult {
  if (
    line.length < ENTRY_PREFIX.length ||
    !line.subarray(0, ENTRY_PREFIX.length).equals(ENTRY_PREFIX)
  ) {
    return malformed('line does not start with {"entry":');
  }
  const hashAt = line.lastIndexOf(HASH_KEY);
  if (hashAt < ENTRY_PREFIX.length) return malformed('no "hash" field after the entry');
  const hashStart = hashAt + HASH_KEY.length;
  const stored = line.toString('latin1', hashStart, hashStart + 64);
  if (!HEX64.test(stored) || line[hashStart + 64] !== 0x22) {
    return malformed('the "hash" field is not 64 lowercase hex digits', hashStart + 1);
  }
  const afterHash = hashStart + 65;
  let signature: EntrySignature | undefined;
  if (line.length === afterHash + 1 && line[afterHash] === 0x7d) {
    signature = undefined;
  } else {
    const rest = line.toString('utf8', afterHash);
    const match = /^,"signature":(\{.*\})\}$/.exec(rest);
    if (!match) return malformed('unexpected bytes after the "hash" field', afterHash + 1);
    try {
      const parsed = JSON.parse(match[1]!) as Partial<EntrySignature>;
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        typeof parsed.did !== 'string' ||
        typeof parsed.value !== 'string' ||
        Object.keys(parsed).length !== 2 ||
        canonicalJson(parsed) !== match[1]
      ) {
        return malformed(
          'the "signature" field must be {"did","value"} in canonical form',
          afterHash + 1,
        );
      }
      signature = { did: parsed.did, value: parsed.value };
    } catch {
      return malformed('the "signature" field is not valid JSON', afterHash + 1);
    }
  }
  const hashedBytes = line.subarray(ENTRY_PREFIX.length, hashAt);
  const actual = hashEntryBytes(hashedBytes);
  if (actual !== stored) {
    return {
      ok: false,
      problem: {
        code: 'ledger/hash-mismatch',
        column: hashStart + 1,
        message: `entry content hashes to ${actual.slice(0, 16)}…, but the entry records ${stored.slice(0, 16)}… (the entry was modified)`,
      },
    };
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(hashedBytes.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    return malformed(
      `entry is not valid JSON: ${(error as Error).message}`,
      ENTRY_PREFIX.length + 1,
    );
  }
  const problem = checkEntryShape(raw);
  if (problem) return malformed(problem, ENTRY_PREFIX.length + 1);
  const entry: LedgerEntry = {
    seq: raw.seq as number,
    type: raw.type as string,
    time: raw.time as string,
    body: raw.body as Record<string, unknown>,
    prev: raw.prev as string,
    hash: stored,
    files: (raw.files as FileDigest[] | undefined) ?? [],
    ...(raw.signer !== undefined ? { signer: raw.signer as string } : {}),
    ...(signature ? { signature } : {}),
  };
  if (signature && signature.did !== entry.signer) {
    return malformed(
      "the signature names a different identity than the entry's signer",
      afterHash + 1,
    );
  }
  return { ok: true, entry };
}

const ENTRY_KEYS = new Set(['v', 'seq', 'prev', 'time', 'type', 'body', 'files', 'signer']);
const FILE_KEYS = new Set(['path', 'offset', 'size', 'sha256', 'append']);

function checkEntryShape(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return 'entry is not an object';
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!ENTRY_KEYS.has(key)) return `unknown entry field "${key}"`;
  if (record.v !== LEDGER_FORMAT_VERSION)
    return `unsupported entry version ${JSON.stringify(record.v)}`;
  if (!Number.isSafeInteger(record.seq) || (record.seq as number) < 0)
    return '"seq" is not a non-negative integer';
  if (typeof record.prev !== 'string' || !HEX64.test(record.prev))
    return '"prev" is not 64 lowercase hex digits';
  if (typeof record.time !== 'string') return '"time" is not a string';
  if (typeof record.type !== 'string' || !isRecordType(record.type))
    return '"type" is not a dotted lowercase name';
  if (typeof record.body !== 'object' || record.body === null || Array.isArray(record.body)) {
    return '"body" is not an object';
  }
  if (
    record.signer !== undefined &&
    (typeof record.signer !== 'string' || !parsePublicKey(record.signer))
  ) {
    return '"signer" is not an ed25519 identity';
  }
  if (record.files !== undefined) {
    if (!Array.isArray(record.files) || record.files.length === 0)
      return '"files" is not a non-empty array';
    for (const file of record.files as unknown[]) {
      if (typeof file !== 'object' || file === null) return '"files" holds a non-object';
      const digest = file as Record<string, unknown>;
      for (const key of Object.keys(digest))
        if (!FILE_KEYS.has(key)) return `unknown file digest field "${key}"`;
      if (typeof digest.path !== 'string' || !isLedgerPath(digest.path))
        return 'a file digest has an invalid path';
      if (!Number.isSafeInteger(digest.offset) || (digest.offset as number) < 0)
        return 'a file digest has an invalid offset';
      if (!Number.isSafeInteger(digest.size) || (digest.size as number) < 0)
        return 'a file digest has an invalid size';
      if (typeof digest.sha256 !== 'string' || !HEX64.test(digest.sha256))
        return 'a file digest has an invalid sha256';
      if (digest.append !== undefined && digest.append !== true)
        return 'a file digest has an invalid append flag';
    }
  }
  return undefined;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Whether `path` may name a ledger data file: relative, `/`-separated, each segment starting
 * with a letter, digit or underscore (so no `..`, no hidden files), and not the chain itself.
 */
export function isLedgerPath(path: string): boolean {
  if (path.length === 0 || path.length > 512) return false;
  const segments = path.split('/');
  if (segments.length === 1 && (path === 'chain.jsonl' || path === 'archive')) return false;
  if (segments[0] === 'archive' || segments[0] === 'checkpoints') return false;
  return segments.every(
    (segment) => SEGMENT.test(segment) && segment !== '..' && !segment.endsWith('.tmp'),
  );
}

/**
 * Signatures already checked in this process, keyed by entry hash, signer and signature. Ed25519
 * verification in JavaScript costs about a millisecond, and a long-running runtime verifies the
 * same ledger again and again; the answer for the same bytes never changes.
 */
const verifiedSignatures = new Map<string, boolean>();
const VERIFIED_CACHE_SIZE = 65_536;

/** Whether an entry's signature is a valid ed25519 signature by its committed signer. */
export function verifyEntrySignature(entry: LedgerEntry): boolean {
  if (!entry.signature || !entry.signer || entry.signature.did !== entry.signer) return false;
  const key = `${entry.hash}|${entry.signer}|${entry.signature.value}`;
  const known = verifiedSignatures.get(key);
  if (known !== undefined) return known;
  const publicKey = parsePublicKey(entry.signer);
  const signature = fromBase64Url(entry.signature.value);
  // Only the canonical encoding counts: two spellings of one signature would be two entries.
  const valid =
    publicKey !== undefined &&
    signature !== undefined &&
    toBase64Url(signature) === entry.signature.value &&
    verifySignature(signature, entrySigningMessage(entry.hash), publicKey);
  if (verifiedSignatures.size >= VERIFIED_CACHE_SIZE) verifiedSignatures.clear();
  verifiedSignatures.set(key, valid);
  return valid;
}
