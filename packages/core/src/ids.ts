import { randomBytes } from 'node:crypto';
import { decodeTime, encodeTime, isValid, monotonicFactory, ulid as randomUlid } from 'ulid';
import { InvalidArgumentError } from './errors';

/**
 * The id prefixes the Karnel format uses, by kind of object. An id is `<prefix>_<ULID>`,
 * e.g. `agt_01HZX3K0V8Q5T2N7R4M6W9YB1C`.
 */
export const ID_PREFIXES = {
  /** An agent (`agent.id` in an agent manifest). */
  agent: 'agt',
  /** A group (`group.id` in a group manifest). */
  group: 'grp',
  /** One run of an agent, recorded in its ledger. */
  run: 'run',
  /** A decision recorded in a ledger. */
  decision: 'dec',
  /** A hypothesis in strategic memory. */
  hypothesis: 'hyp',
  /** A structured message between members (Annex C). */
  message: 'msg',
  /** A request in the approval queue. */
  approval: 'apr',
  /** An outcome attributed to goals. */
  outcome: 'out',
  /** A generic ledger entry. */
  entry: 'ent',
  /** An identity key. */
  key: 'key',
  /** A signed capability grant or delegation. */
  grant: 'gnt',
  /** A skill. */
  skill: 'skl',
  /** An episodic memory event. */
  episode: 'epi',
  /** A semantic memory item. */
  memory: 'mem',
  /** A treasury reservation. */
  reservation: 'rsv',
  /** A signed ledger checkpoint. */
  checkpoint: 'chk',
} as const;

/** One of the prefixes in {@link ID_PREFIXES}. */
export type IdPrefix = (typeof ID_PREFIXES)[keyof typeof ID_PREFIXES];

/** A prefixed ULID as a template literal type, e.g. `Id<'agt'>` is `` `agt_${string}` ``. */
export type Id<P extends IdPrefix = IdPrefix> = `${P}_${string}`;

/** The parts of a parsed id. */
export interface ParsedId<P extends IdPrefix = IdPrefix> {
  /** The prefix, without the underscore. */
  readonly prefix: P;
  /** The 26-character ULID. */
  readonly ulid: string;
  /** The creation time encoded in the ULID. */
  readonly createdAt: Date;
}

const knownPrefixes = new Set<string>(Object.values(ID_PREFIXES));
const pattern = /^([a-z]{3})_([0-9A-HJKMNP-TV-Z]{26})$/;
/**
 * The ULIDs' randomness: bytes of the system's CSPRNG, drawn 4 KiB at a time instead of one
 * call per character (the library's default draws one byte per call, sixteen per id). Each
 * byte is used once, as the default uses it (`byte / 256`).
 */
const randomPool = { bytes: Buffer.alloc(0), next: 0 };
function pooledRandom(): number {
  if (randomPool.next >= randomPool.bytes.length) {
    randomPool.bytes = randomBytes(4096);
    randomPool.next = 0;
  }
  return randomPool.bytes[randomPool.next++]! / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

/**
 * Creates a new id with the given prefix. Ids made in the same millisecond by one process sort
 * in creation order (monotonic ULIDs).
 *
 * @param prefix - One of {@link ID_PREFIXES}.
 * @param time - Milliseconds since the epoch to encode; defaults to now (then ids made in the
 *   same millisecond stay in creation order).
 */
export function createId<P extends IdPrefix>(prefix: P, time?: number): Id<P> {
  if (!knownPrefixes.has(prefix)) {
    throw new InvalidArgumentError({
      argument: 'prefix',
      value: prefix,
      message: `unknown id prefix "${prefix}"`,
    });
  }
  // An explicit time must be encoded as given; the monotonic factory would reuse a later one.
  // (`ulid(0)` would silently use the current time, so encode the time part ourselves.)
  return `${prefix}_${time === undefined ? nextUlid() : encodeTime(time, 10) + randomUlid(undefined, pooledRandom).slice(10)}` as Id<P>;
}

/**
 * Parses an id, returning `undefined` when it is not a well-formed prefixed ULID (or its prefix
 * differs from `expected`). Lowercase ULIDs are rejected: the canonical form is uppercase.
 */
export function parseId<P extends IdPrefix>(value: unknown, expected?: P): ParsedId<P> | undefined {
  if (typeof value !== 'string') return undefined;
  const match = pattern.exec(value);
  if (!match) return undefined;
  const [, prefix, ulid] = match as unknown as [string, string, string];
  if (!knownPrefixes.has(prefix)) return undefined;
  if (expected !== undefined && prefix !== expected) return undefined;
  if (!isValid(ulid) || ulid[0]! > '7') return undefined;
  return { prefix: prefix as P, ulid, createdAt: new Date(decodeTime(ulid)) };
}

/** Whether `value` is a valid id, optionally with the `expected` prefix. */
export function isId<P extends IdPrefix>(value: unknown, expected?: P): value is Id<P> {
  return parseId(value, expected) !== undefined;
}

/**
 * Explains why `value` is not a valid id with prefix `expected`, or returns `undefined` when it
 * is one. Used by validators to produce precise diagnostics.
 */
export function explainInvalidId(value: unknown, expected: IdPrefix): string | undefined {
  if (typeof value !== 'string') return `expected a string id "${expected}_<ULID>"`;
  const underscore = value.indexOf('_');
  if (underscore < 0) return `"${value}" has no "${expected}_" prefix`;
  const prefix = value.slice(0, underscore);
  if (prefix !== expected) return `"${value}" has prefix "${prefix}_", expected "${expected}_"`;
  const ulid = value.slice(underscore + 1);
  if (ulid.length !== 26)
    return `"${value}": the ULID after "${expected}_" must be 26 characters, found ${ulid.length}`;
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(ulid)) {
    return `"${value}": the ULID must use uppercase Crockford base32 (0-9, A-Z without I, L, O, U)`;
  }
  if (!isValid(ulid) || ulid[0]! > '7')
    return `"${value}": the ULID's timestamp is out of range (it must start with 0-7)`;
  return undefined;
}
