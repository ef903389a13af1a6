import { scanJsonObject } from './entry';
import { SNAPSHOT_TYPE } from './snapshot';

/**
 * Where the parts of an ordinary chain line are, as {@link readOrdinaryLine} found them. An
 * ordinary line is an unsigned, non-snapshot entry written in the canonical layout, which is
 * what almost every line of a ledger is:
 *
 * `{"entry":{"body":{…}[,"files":[…]],"prev":"<64 hex>","seq":N,"time":"…","type":"…","v":1},"hash":"<64 hex>"}`
 *
 * One instance is reused for every line (no allocation per line); its fields are indices into
 * the line's buffer.
 */
export class OrdinaryLine {
  /** Index of the `{` that starts the hashed entry object. */
  entryStart = 0;
  /** Index just after the hashed entry object (where `,"hash":"` starts). */
  entryEnd = 0;
  /** Index of the 64 hex digits of the stored entry hash. */
  hashAt = 0;
  /** Index of the 64 bytes of `prev`. */
  prevAt = 0;
  /** The entry's seq. */
  seq = 0;
  /** Number of committed file chunks (each described by the arrays below). */
  fileCount = 0;
  /** Per chunk: index of its path's first byte. */
  pathStart: number[] = [];
  /** Per chunk: index just after its path. */
  pathEnd: number[] = [];
  /** Per chunk: byte offset in the data file. */
  offset: number[] = [];
  /** Per chunk: its size in bytes. */
  size: number[] = [];
  /** Per chunk: index of its 64-byte `sha256` value. */
  sha256At: number[] = [];
  /** Per chunk: whether it is a chunk of an append-only file. */
  append: boolean[] = [];
}

const ENTRY_PREFIX = keyOf('{"entry":{"body":');
/** Where the hashed entry object starts in a line: after `{"entry":`. */
const ENTRY_OBJECT_AT = 9;
const FILES_KEY = keyOf(',"files":[');
const PREV_KEY = keyOf(',"prev":"');
const SEQ_KEY = keyOf('","seq":');
const TIME_KEY = keyOf(',"time":"');
const TYPE_KEY = keyOf('","type":"');
const HASH_KEY = keyOf(',"hash":"');
/** The end of the hashed entry object and the start of the stored hash. */
const ENTRY_TAIL = keyOf('","v":1},"hash":"');
const DIGEST_APPEND = keyOf('{"append":true,"offset":');
const DIGEST_OFFSET = keyOf('{"offset":');
const DIGEST_PATH = keyOf(',"path":"');
const DIGEST_SHA = keyOf('","sha256":"');
const DIGEST_SIZE = keyOf('","size":');
const SNAPSHOT = keyOf(SNAPSHOT_TYPE);
const MAX_TYPE_LENGTH = 128;

/**
 * Reads the line starting at `buffer[start]` as an ordinary line into `into`, looking no
 * further than `limit`, and returns the index of the newline that ends it — or -1 for anything
 * else: a signed entry, a snapshot, a layout that is not canonical, a malformed line. Such
 * lines go to the full decoder, which accepts or explains them. It checks the layout only,
 * never values against the chain: the caller compares hashes, seq, prev and files. It accepts
 * no line the full decoder would refuse.
 */
export function readOrdinaryLine(
  buffer: Uint8Array,
  start: number,
  limit: number,
  into: OrdinaryLine,
): number {
  if (buffer !== viewed) {
    viewed = buffer;
    view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  if (!hasBytesAt(buffer, start, ENTRY_PREFIX)) return -1;
  // The body's scan stops at the newline: canonical JSON has no raw control characters.
  const bodyEnd = scanJsonObject(buffer, start + ENTRY_PREFIX.length, limit);
  if (bodyEnd < 0) return -1;
  let position = bodyEnd;
  into.fileCount = 0;
  if (hasBytesAt(buffer, position, FILES_KEY)) {
    position = readFileDigests(buffer, position + FILES_KEY.length, limit, into);
    if (position < 0) return -1;
  }
  if (!hasBytesAt(buffer, position, PREV_KEY)) return -1;
  into.prevAt = position + PREV_KEY.length;
  position = into.prevAt + 64;
  if (!hasBytesAt(buffer, position, SEQ_KEY)) return -1;
  const seq = readInteger(buffer, position + SEQ_KEY.length, limit);
  if (seq < 0) return -1;
  into.seq = seq;
  position = integerEnd;
  if (!hasBytesAt(buffer, position, TIME_KEY)) return -1; // signed entries go the full way
  position += TIME_KEY.length;
  // The time is a plain string: no escapes, no control characters (else the full decoder).
  while (position < limit) {
    const byte = buffer[position]!;
    if (byte === 0x22) break;
    if (byte === 0x5c || byte < 0x20) return -1;
    position++;
  }
  if (!hasBytesAt(buffer, position, TYPE_KEY)) return -1;
  position += TYPE_KEY.length;
  const typeStart = position;
  position = skipRecordType(buffer, position, limit);
  if (position < 0) return -1;
  if (
    position - typeStart === SNAPSHOT.length &&
    hasBytesAt(buffer, typeStart, SNAPSHOT) // snapshots carry state: the full decoder reads them
  ) {
    return -1;
  }
  if (!hasBytesAt(buffer, position, ENTRY_TAIL)) return -1;
  into.entryStart = start + ENTRY_OBJECT_AT;
  into.entryEnd = position + ENTRY_TAIL.length - HASH_KEY.length;
  into.hashAt = position + ENTRY_TAIL.length;
  // 64 bytes of stored hash (the caller compares them with the computed one), then `"}\n`.
  const newline = into.hashAt + 66;
  if (
    newline >= limit ||
    buffer[newline - 2] !== 0x22 ||
    buffer[newline - 1] !== 0x7d ||
    buffer[newline] !== 0x0a
  ) {
    return -1;
  }
  return newline;
}

/**
 * Skips a record type (`[a-z][a-z0-9_]*` words joined by dots, at most 128 bytes) starting at
 * `position`; returns the index of the quote that closes it, or -1.
 */
function skipRecordType(buffer: Uint8Array, position: number, end: number): number {
  const start = position;
  let wordStart = true;
  while (position < end) {
    const byte = buffer[position]!;
    if (byte >= 0x61 && byte <= 0x7a) {
      wordStart = false;
    } else if (!wordStart && ((byte >= 0x30 && byte <= 0x39) || byte === 0x5f)) {
      // digits and underscores inside a word
    } else if (!wordStart && byte === 0x2e) {
      wordStart = true;
    } else if (!wordStart && byte === 0x22) {
      return position - start <= MAX_TYPE_LENGTH ? position : -1;
    } else {
      return -1;
    }
    position++;
  }
  return -1;
}

/**
 * Reads the canonical digests of a files array starting at `position` (just after `[`) into
 * `into`; returns the index after the closing `]`, or -1.
 */
function readFileDigests(
  buffer: Uint8Array,
  position: number,
  end: number,
  into: OrdinaryLine,
): number {
  for (;;) {
    let append = false;
    if (hasBytesAt(buffer, position, DIGEST_APPEND)) {
      append = true;
      position += DIGEST_APPEND.length;
    } else if (hasBytesAt(buffer, position, DIGEST_OFFSET)) {
      position += DIGEST_OFFSET.length;
    } else {
      return -1;
    }
    const offset = readInteger(buffer, position, end);
    if (offset < 0) return -1;
    position = integerEnd;
    if (!hasBytesAt(buffer, position, DIGEST_PATH)) return -1;
    position += DIGEST_PATH.length;
    const pathStart = position;
    while (position < end && buffer[position] !== 0x22) {
      if (buffer[position]! < 0x20) return -1;
      position++;
    }
    const pathEnd = position;
    if (!hasBytesAt(buffer, position, DIGEST_SHA)) return -1;
    position += DIGEST_SHA.length;
    const sha256At = position;
    position += 64;
    if (!hasBytesAt(buffer, position, DIGEST_SIZE)) return -1;
    const size = readInteger(buffer, position + DIGEST_SIZE.length, end);
    if (size < 0) return -1;
    position = integerEnd;
    if (buffer[position] !== 0x7d) return -1;
    const at = into.fileCount++;
    into.pathStart[at] = pathStart;
    into.pathEnd[at] = pathEnd;
    into.offset[at] = offset;
    into.size[at] = size;
    into.sha256At[at] = sha256At;
    into.append[at] = append;
    position++;
    if (buffer[position] === 0x5d) return position + 1;
    if (buffer[position] !== 0x2c) return -1;
    position++;
  }
}

/** Where the last {@link readInteger} stopped (a result object per number would be garbage). */
let integerEnd = 0;

/**
 * A canonical non-negative integer (no leading zeros, at most 15 digits) at `position`, or -1.
 * Sets {@link integerEnd} to the index after its last digit.
 */
function readInteger(buffer: Uint8Array, position: number, end: number): number {
  let value = 0;
  let index = position;
  while (index < end && buffer[index]! >= 0x30 && buffer[index]! <= 0x39) {
    value = value * 10 + (buffer[index]! - 0x30);
    index++;
  }
  const digits = index - position;
  if (digits === 0 || digits > 15 || (digits > 1 && buffer[position] === 0x30)) return -1;
  integerEnd = index;
  return value;
}

/** Whether `buffer` (the one {@link view} shows) holds `expected` at `position`. */
function hasBytesAt(buffer: Uint8Array, position: number, expected: LayoutKey): boolean {
  if (position + expected.length > buffer.length) return false;
  const words = expected.words;
  for (let index = 0; index < words.length; index++) {
    if (view.getUint32(position + 4 * index) !== words[index]) return false;
  }
  const bytes = expected.bytes;
  for (let index = words.length << 2; index < bytes.length; index++) {
    if (buffer[position + index] !== bytes[index]) return false;
  }
  return true;
}

/** A constant piece of the layout, also as big-endian 32-bit words for comparing four bytes at a time. */
interface LayoutKey {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
  readonly length: number;
}

function keyOf(text: string): LayoutKey {
  const bytes = new Uint8Array(Buffer.from(text, 'latin1'));
  const view = new DataView(bytes.buffer);
  const words = new Uint32Array(bytes.length >> 2);
  for (let index = 0; index < words.length; index++) words[index] = view.getUint32(4 * index);
  return { bytes, words, length: bytes.length };
}

/** The buffer being read and a view of it (made once per buffer). */
let viewed: Uint8Array | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));
