import { hash as oneShotHash } from 'node:crypto';
import {
  canonicalJson,
  fromBase64Url,
  parsePublicKey,
  toBase64Url,
  verifySignature,
} from '@karnel/core';
import { createLatin1Interner } from './recent-strings';

/** The version of the on-disk entry format this code writes and reads. */
export const LEDGER_FORMAT_VERSION = 1;

/** The `prev` of the first entry: 64 zeros. */
export const GENESIS_PREV = '0'.repeat(64);

/**
 * The longest chain line a ledger writes or reads: 16 MiB. An entry holds a record's small
 * body and the digests of the files it commits; large content belongs in those files. A longer
 * line is refused when appended, and reported as malformed when read (the reader keeps only
 * this much of it in memory).
 */
export const MAX_ENTRY_LINE_BYTES = 16 * 1024 * 1024;

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
  /**
   * `canonicalJson(body)`, when the caller has it, and `body` is then `JSON.parse(bodyJson)`,
   * a fresh object the entry may keep: the body is then neither serialised nor parsed again.
   */
  readonly bodyJson?: string;
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
  const prefixed = Buffer.allocUnsafe(bytes.length + 1);
  prefixed[0] = 0;
  prefixed.set(bytes, 1);
  return oneShotHash('sha256', prefixed, 'hex');
}

/**
 * The leaf hash of the entry bytes at `line[start, end)`, where `start >= 1`. The byte before
 * the entry is overwritten with the 0x00 leaf prefix for the hash and restored afterwards, so
 * the hot path of verification hashes in place, with one native call and no copy.
 */
function hashEntryInPlace(line: Buffer, start: number, end: number): string {
  const saved = line[start - 1]!;
  line[start - 1] = 0;
  try {
    // Hex output: a Buffer result costs an allocation that doubles the price of a short hash.
    return oneShotHash('sha256', line.subarray(start - 1, end), 'hex');
  } finally {
    line[start - 1] = saved;
  }
}

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
  const bodyJson = content.bodyJson ?? canonicalJson(content.body);
  const hashed = canonicalEntryJson(content, bodyJson);
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
    // Read from its canonical form so callers get exactly what a reader will see.
    body:
      content.bodyJson === undefined
        ? (JSON.parse(bodyJson) as Record<string, unknown>)
        : content.body,
    prev: content.prev,
    hash,
    files: content.files,
    ...(content.signer ? { signer: content.signer } : {}),
    ...(signature ? { signature } : {}),
  };
  return { entry, line };
}

/**
 * `canonicalJson` of the hashed part of an entry, `{ body, files?, prev, seq, signer?, time,
 * type, v }`, with the body's canonical JSON given: its members written in their canonical
 * (sorted) order around it, so a large body is not serialised a second time.
 */
function canonicalEntryJson(content: EntryContent, bodyJson: string): string {
  const files = content.files.length > 0 ? `,"files":${canonicalJson(content.files)}` : '';
  const signer = content.signer === undefined ? '' : `,"signer":${canonicalJson(content.signer)}`;
  return (
    `{"body":${bodyJson}${files},"prev":${canonicalJson(content.prev)},` +
    `"seq":${canonicalJson(content.seq)}${signer},"time":${canonicalJson(content.time)},` +
    `"type":${canonicalJson(content.type)},"v":${LEDGER_FORMAT_VERSION}}`
  );
}

/** Why a chain line could not be decoded. */
export interface DecodeProblem {
  /** Diagnostic code. */
  readonly code: 'ledger/malformed-entry' | 'ledger/hash-mismatch';
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

/** Options of {@link decodeEntryLine}. */
export interface DecodeOptions {
  /**
   * Parse the whole entry with `JSON.parse` (the default). With `false`, the fixed fields after
   * the body are read from their canonical layout, the body is only checked to be one balanced
   * JSON object, and it is parsed on first access: what verification needs, at a fraction of
   * the cost.
   */
  readonly parse?: boolean;
  /**
   * The `prev` the entry should have (the previous entry's hash), when the caller knows it.
   * When the line's bytes spell it, the entry shares this string instead of a fresh copy; the
   * result is the same either way (the link itself is checked by the caller).
   */
  readonly expectedPrev?: string;
}

const BODY_PREFIX = Buffer.from('{"entry":{"body":');

/**
 * Decodes one chain line (without its newline) and checks that its stored hash is the hash of
 * its content. Does not check the link to the previous entry or signatures.
 */
export function decodeEntryLine(
  line: Buffer,
  { parse = true, expectedPrev }: DecodeOptions = {},
): DecodeResult {
  if (line.length > MAX_ENTRY_LINE_BYTES)
    return malformed(
      `the line is longer than ${MAX_ENTRY_LINE_BYTES} bytes, the most an entry may take`,
    );
  if (!hasBytesAt(line, 0, ENTRY_PREFIX)) {
    return malformed('line does not start with {"entry":');
  }
  // Unsigned lines end with `,"hash":"<64 hex>"}`: look there first, search only otherwise.
  const unsignedAt = line.length - HASH_KEY.length - 66;
  const hashAt =
    unsignedAt > 0 && line[line.length - 1] === 0x7d && hasBytesAt(line, unsignedAt, HASH_KEY)
      ? unsignedAt
      : line.lastIndexOf(HASH_KEY);
  if (hashAt < ENTRY_PREFIX.length) return malformed('no "hash" field after the entry');
  const hashStart = hashAt + HASH_KEY.length;
  if (line[hashStart + 64] !== 0x22) {
    return malformed('the "hash" field is not 64 lowercase hex digits', hashStart + 1);
  }
  const afterHash = hashStart + 65;
  let signature: EntrySignature | undefined;
  if (line.length !== afterHash + 1 || line[afterHash] !== 0x7d) {
    const parsed = parseSignatureField(line.toString('utf8', afterHash));
    if (!parsed) return malformed('unexpected bytes after the "hash" field', afterHash + 1);
    signature = parsed;
  }
  const actual = hashEntryInPlace(line, ENTRY_PREFIX.length, hashAt);
  // Compared byte by byte against the computed (lowercase hex) digest, which also rejects a
  // field that is not hex; the stored text is only materialised for the error message.
  if (!hexEquals(line, hashStart, actual)) {
    const stored = line.toString('latin1', hashStart, hashStart + 64);
    return {
      ok: false,
      problem: {
        code: 'ledger/hash-mismatch',
        column: hashStart + 1,
        message: `entry content hashes to ${actual.slice(0, 16)}…, but the entry records ${stored.slice(0, 16)}… (the entry was modified)`,
      },
    };
  }
  const fields = parse ? parseEntry(line, hashAt) : scanEntry(line, hashAt, expectedPrev);
  if (typeof fields === 'string') return malformed(fields, ENTRY_PREFIX.length + 1);
  if (signature && signature.did !== fields.signer) {
    return malformed(
      "the signature names a different identity than the entry's signer",
      afterHash + 1,
    );
  }
  const entry: LedgerEntry = signature
    ? Object.assign(fields, { hash: actual, signature })
    : Object.assign(fields, { hash: actual });
  return { ok: true, entry };
}

type EntryFields = Omit<LedgerEntry, 'hash' | 'signature'> & {
  hash?: string;
  signature?: EntrySignature;
};

function parseSignatureField(rest: string): EntrySignature | undefined {
  const match = /^,"signature":(\{.*\})\}$/.exec(rest);
  if (!match) return undefined;
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
      return undefined;
    }
    return { did: parsed.did, value: parsed.value };
  } catch {
    return undefined;
  }
}

/** Reads an entry with `JSON.parse` and checks every field. Returns the problem as a string. */
function parseEntry(line: Buffer, hashAt: number): EntryFields | string {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line.toString('utf8', ENTRY_PREFIX.length, hashAt)) as Record<string, unknown>;
  } catch (error) {
    return `entry is not valid JSON: ${(error as Error).message}`;
  }
  const problem = checkEntryShape(raw);
  if (problem) return problem;
  return {
    seq: raw.seq as number,
    type: raw.type as string,
    time: raw.time as string,
    body: raw.body as Record<string, unknown>,
    prev: raw.prev as string,
    files: (raw.files as FileDigest[] | undefined) ?? [],
    ...(raw.signer !== undefined ? { signer: raw.signer as string } : {}),
  };
}

/**
 * Reads an entry without parsing its body: the body must be one balanced JSON object, and the
 * fields after it must be in their canonical layout. The body is parsed on first access.
 */
function scanEntry(
  line: Buffer,
  hashAt: number,
  expectedPrev: string | undefined,
): EntryFields | string {
  if (!hasBytesAt(line, 0, BODY_PREFIX)) {
    return parseEntry(line, hashAt); // not the canonical layout: let the full parser explain
  }
  const bodyEnd = scanJsonObject(line, BODY_PREFIX.length, hashAt);
  if (bodyEnd === -2) return parseEntry(line, hashAt);
  if (bodyEnd < 0) return 'the entry body is not a well-formed JSON object';
  const fields = readTail(line, bodyEnd, hashAt, expectedPrev);
  if (!fields) return parseEntry(line, hashAt);
  if (typeof fields === 'string') return fields;
  return new ScannedEntry(line, bodyEnd, fields);
}

interface TailFields {
  seq: number;
  prev: string;
  time: string;
  type: string;
  files: readonly FileDigest[];
  signer: string | undefined;
}

const FILES_KEY = Buffer.from(',"files":[');
const PREV_KEY = Buffer.from(',"prev":"');
const SEQ_KEY = Buffer.from('","seq":');
const SIGNER_KEY = Buffer.from(',"signer":"');
const TIME_KEY = Buffer.from(',"time":"');
const TYPE_KEY = Buffer.from('","type":"');
const VERSION_TAIL = Buffer.from('","v":1}');
const knownTypes = new Set<string>();
const internType = createLatin1Interner();
const internPath = createLatin1Interner();

/**
 * Reads the fields after the body, which canonical JSON puts in a fixed order:
 * `[,"files":[…]],"prev":"…","seq":N[,"signer":"…"],"time":"…","type":"…","v":1}`.
 * Returns `undefined` when the bytes are not in that layout (the full parser then explains),
 * a string for a value that is wrong. Values are not re-validated where a later comparison
 * does it anyway: a `prev` that is not hex can never equal the previous entry's hash.
 */
function readTail(
  line: Buffer,
  start: number,
  end: number,
  expectedPrev: string | undefined,
): TailFields | string | undefined {
  let position = start;
  let files: FileDigest[] = [];
  if (hasBytesAt(line, position, FILES_KEY)) {
    const close = findByte(line, 0x5d, position + FILES_KEY.length, end);
    if (close < 0) return undefined;
    const read = readFileDigests(line, position + FILES_KEY.length, close);
    if (read) {
      files = read;
    } else {
      try {
        files = JSON.parse(
          line.toString('utf8', position + FILES_KEY.length - 1, close + 1),
        ) as FileDigest[];
      } catch {
        return '"files" is not valid JSON';
      }
    }
    const problem = checkFiles(files, false);
    if (problem) return problem;
    position = close + 1;
  }
  if (!hasBytesAt(line, position, PREV_KEY)) return undefined;
  position += PREV_KEY.length;
  const prev =
    expectedPrev !== undefined && hexEquals(line, position, expectedPrev)
      ? expectedPrev
      : line.toString('latin1', position, position + 64);
  position += 64;
  if (!hasBytesAt(line, position, SEQ_KEY)) return undefined;
  position += SEQ_KEY.length;
  let seq = 0;
  const digitsStart = position;
  while (position < end && line[position]! >= 0x30 && line[position]! <= 0x39) {
    seq = seq * 10 + (line[position]! - 0x30);
    position++;
  }
  const digits = position - digitsStart;
  if (digits === 0 || digits > 15 || (digits > 1 && line[digitsStart] === 0x30)) return undefined;
  let signer: string | undefined;
  if (hasBytesAt(line, position, SIGNER_KEY)) {
    position += SIGNER_KEY.length;
    const close = findByte(line, 0x22, position, end);
    if (close < 0) return undefined;
    signer = line.toString('latin1', position, close);
    if (!parsePublicKey(signer)) return '"signer" is not an ed25519 identity';
    position = close + 1;
  }
  if (!hasBytesAt(line, position, TIME_KEY)) return undefined;
  position += TIME_KEY.length;
  const timeEnd = findByte(line, 0x22, position, end);
  if (timeEnd < 0 || line[timeEnd - 1] === 0x5c) return undefined;
  const time = line.toString('utf8', position, timeEnd);
  position = timeEnd;
  if (!hasBytesAt(line, position, TYPE_KEY)) return undefined;
  position += TYPE_KEY.length;
  const typeEnd = findByte(line, 0x22, position, end);
  if (typeEnd < 0) return undefined;
  const type = internType(line, position, typeEnd);
  if (!knownTypes.has(type)) {
    if (!isRecordType(type)) return '"type" is not a dotted lowercase name';
    if (knownTypes.size < 4096) knownTypes.add(type);
  }
  position = typeEnd;
  if (!hasBytesAt(line, position, VERSION_TAIL) || position + VERSION_TAIL.length !== end)
    return undefined;
  return { seq, prev, time, type, files, signer };
}

const DIGEST_APPEND = Buffer.from('{"append":true,"offset":');
const DIGEST_OFFSET = Buffer.from('{"offset":');
const DIGEST_PATH = Buffer.from(',"path":"');
const DIGEST_SHA = Buffer.from('","sha256":"');
const DIGEST_SIZE = Buffer.from('","size":');

/**
 * Reads a files array in its canonical layout (`{"append":true,"offset":N,"path":"…",
 * "sha256":"…","size":N}` objects separated by commas) between `start` and `close` (the `]`).
 * Returns `undefined` for anything else, and the caller falls back to `JSON.parse`.
 */
function readFileDigests(line: Buffer, start: number, close: number): FileDigest[] | undefined {
  const digests: FileDigest[] = [];
  let position = start;
  for (;;) {
    let append = false;
    if (hasBytesAt(line, position, DIGEST_APPEND)) {
      append = true;
      position += DIGEST_APPEND.length;
    } else if (hasBytesAt(line, position, DIGEST_OFFSET)) {
      position += DIGEST_OFFSET.length;
    } else {
      return undefined;
    }
    const offset = readInteger(line, position, close);
    if (offset < 0) return undefined;
    position = integerEnd;
    if (!hasBytesAt(line, position, DIGEST_PATH)) return undefined;
    position += DIGEST_PATH.length;
    const pathEnd = findByte(line, 0x22, position, close);
    if (pathEnd < 0) return undefined;
    const path = internPath(line, position, pathEnd);
    position = pathEnd;
    if (!hasBytesAt(line, position, DIGEST_SHA)) return undefined;
    position += DIGEST_SHA.length;
    const sha256 = line.toString('latin1', position, position + 64);
    position += 64;
    if (!hasBytesAt(line, position, DIGEST_SIZE)) return undefined;
    position += DIGEST_SIZE.length;
    const size = readInteger(line, position, close);
    if (size < 0) return undefined;
    position = integerEnd;
    if (line[position] !== 0x7d) return undefined;
    position++;
    digests.push(
      append ? { path, offset, size, sha256, append: true } : { path, offset, size, sha256 },
    );
    if (position === close) return digests;
    if (line[position] !== 0x2c) return undefined;
    position++;
  }
}

/** Where the last {@link readInteger} stopped (a result object per number would be garbage). */
let integerEnd = 0;

/**
 * A canonical non-negative integer (no leading zeros, at most 15 digits) at `position`, or -1.
 * Sets {@link integerEnd} to the index after its last digit.
 */
function readInteger(line: Buffer, position: number, end: number): number {
  let value = 0;
  let index = position;
  while (index < end && line[index]! >= 0x30 && line[index]! <= 0x39) {
    value = value * 10 + (line[index]! - 0x30);
    index++;
  }
  const digits = index - position;
  if (digits === 0 || digits > 15 || (digits > 1 && line[position] === 0x30)) return -1;
  integerEnd = index;
  return value;
}

/** Index of the first `byte` in `[from, end)`, or -1 (a loop: cheaper than a native call here). */
function findByte(buffer: Buffer, byte: number, from: number, end: number): number {
  for (let index = from; index < end; index++) if (buffer[index] === byte) return index;
  return -1;
}

/** Whether the 64 bytes at `position` spell `hex`. */
export function hexEquals(line: Buffer, position: number, hex: string): boolean {
  for (let index = 0; index < 64; index++) {
    if (line[position + index] !== hex.charCodeAt(index)) return false;
  }
  return true;
}

/** Whether `buffer` holds `expected` at `position` (a short constant; no allocation). */
function hasBytesAt(buffer: Buffer, position: number, expected: Buffer): boolean {
  if (position + expected.length > buffer.length) return false;
  for (let index = 0; index < expected.length; index++) {
    if (buffer[position + index] !== expected[index]) return false;
  }
  return true;
}

/** An entry whose body is parsed only when read (verification never reads it). */
class ScannedEntry implements EntryFields {
  readonly seq: number;
  readonly prev: string;
  readonly time: string;
  readonly type: string;
  readonly files: readonly FileDigest[];
  readonly signer?: string;
  #bodyBytes: Buffer | undefined;
  #parsedBody: Record<string, unknown> | undefined;

  constructor(line: Buffer, bodyEnd: number, fields: TailFields) {
    this.#bodyBytes = line.subarray(BODY_PREFIX.length, bodyEnd);
    this.seq = fields.seq;
    this.prev = fields.prev;
    this.time = fields.time;
    this.type = fields.type;
    this.files = fields.files;
    if (fields.signer !== undefined) this.signer = fields.signer;
  }

  get body(): Record<string, unknown> {
    if (this.#parsedBody === undefined) {
      this.#parsedBody = JSON.parse(this.#bodyBytes!.toString('utf8')) as Record<string, unknown>;
      this.#bodyBytes = undefined;
    }
    return this.#parsedBody;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_SCAN_DEPTH = 256;
const scanStack = new Uint8Array(MAX_SCAN_DEPTH);

/**
 * Returns the index just after the JSON object starting at `start`, or -1 when the brackets
 * and strings do not balance before `end` (-2 when nesting is too deep to scan here). Strings
 * are skipped byte by byte, honouring escapes.
 */
export function scanJsonObject(buffer: Uint8Array, start: number, end: number): number {
  if (buffer[start] !== 0x7b) return -1;
  let depth = 0;
  let index = start;
  while (index < end) {
    const byte = buffer[index]!;
    if (byte === QUOTE) {
      // A plain loop beats a native indexOf call per string on short strings, and lets the
      // scan refuse raw control characters, which JSON does not allow inside strings.
      index++;
      for (;;) {
        if (index >= end) return -1;
        const inner = buffer[index]!;
        if (inner === QUOTE) break;
        if (inner === BACKSLASH) index++;
        else if (inner < 0x20) return -1;
        index++;
      }
      index++;
      continue;
    }
    if (byte === 0x7b || byte === 0x5b) {
      if (depth === MAX_SCAN_DEPTH) return -2;
      scanStack[depth++] = byte;
    } else if (byte === 0x7d || byte === 0x5d) {
      if (depth === 0 || scanStack[depth - 1] !== byte - 2) return -1;
      depth--;
      if (depth === 0) return index + 1;
    } else if (byte <= 0x20) {
      return -1; // canonical JSON has no whitespace or control characters between tokens
    }
    index++;
  }
  return -1;
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
  if (record.files !== undefined) return checkFiles(record.files);
  return undefined;
}

function checkFiles(files: unknown, checkDigests = true): string | undefined {
  if (!Array.isArray(files) || files.length === 0) return '"files" is not a non-empty array';
  for (const file of files as unknown[]) {
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
    // Verification compares the digest with the computed one, which rejects non-hex as well.
    if (typeof digest.sha256 !== 'string' || (checkDigests && !HEX64.test(digest.sha256))) {
      return 'a file digest has an invalid sha256';
    }
    if (digest.append !== undefined && digest.append !== true)
      return 'a file digest has an invalid append flag';
  }
  return undefined;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Paths already found valid: the same few files (a run's steps.jsonl) recur in every entry. */
const validPaths = new Set<string>();

/**
 * Whether `path` may name a ledger data file: relative, `/`-separated, each segment starting
 * with a letter, digit or underscore (so no `..`, no hidden files), and not the chain itself.
 */
export function isLedgerPath(path: string): boolean {
  if (validPaths.has(path)) return true;
  if (path.length === 0 || path.length > 512) return false;
  const segments = path.split('/');
  if (segments.length === 1 && (path === 'chain.jsonl' || path === 'archive')) return false;
  if (segments[0] === 'archive' || segments[0] === 'checkpoints') return false;
  const valid = segments.every(
    (segment) => SEGMENT.test(segment) && segment !== '..' && !segment.endsWith('.tmp'),
  );
  if (valid && validPaths.size < 4096) validPaths.add(path);
  return valid;
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
