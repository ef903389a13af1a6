import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSha256, fromHex, hashJson, sha256, sha256Hex, toHex } from './hash';

describe('hashing', () => {
  it('matches the FIPS 180-2 test vectors', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('agrees with @noble/hashes on random input, whole and incremental', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat({ max: 4096 }), (bytes, split) => {
        const expected = toHex(nobleSha256(bytes));
        const cut = Math.min(split, bytes.length);
        const incremental = createSha256()
          .update(bytes.subarray(0, cut))
          .update(bytes.subarray(cut))
          .digestHex();
        return toHex(sha256(bytes)) === expected && incremental === expected;
      }),
    );
  });

  it('hashes equal JSON values equally, whatever the key order', () => {
    expect(hashJson({ a: 1, b: [1, 2] })).toBe(hashJson({ b: [1, 2], a: 1 }));
    expect(hashJson({ a: 1 })).not.toBe(hashJson({ a: 2 }));
  });

  it('converts hex both ways and rejects malformed hex', () => {
    expect(toHex(fromHex('00ff10')!)).toBe('00ff10');
    expect(fromHex('abc')).toBeUndefined();
    expect(fromHex('zz')).toBeUndefined();
  });
});
