import { type Id, type IdPrefix, sha256 } from '@karnel/core';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * An id whose ULID is derived from `seed` instead of drawn at random: the time part encodes
 * `time`, the random part is the first 80 bits of SHA-256(`seed`). Running the same derivation
 * twice yields the same id, which is what lets a consolidation interrupted after writing its
 * items, but before marking its episodes, run again without duplicating those items.
 */
export function derivedId<P extends IdPrefix>(prefix: P, time: number, seed: string): Id<P> {
  let timePart = '';
  let remaining = Math.max(0, Math.min(Math.floor(time), 2 ** 48 - 1));
  for (let index = 0; index < 10; index++) {
    timePart = crockford[remaining % 32]! + timePart;
    remaining = Math.floor(remaining / 32);
  }
  const digest = sha256(seed);
  let randomPart = '';
  let buffer = 0;
  let bits = 0;
  let byte = 0;
  while (randomPart.length < 16) {
    if (bits < 5) {
      buffer = (buffer << 8) | digest[byte++]!;
      bits += 8;
    }
    randomPart += crockford[(buffer >> (bits - 5)) & 31]!;
    bits -= 5;
  }
  return `${prefix}_${timePart}${randomPart}` as Id<P>;
}
