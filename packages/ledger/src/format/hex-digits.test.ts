import { InvalidArgumentError } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeHex } from './hex-digits';

describe('writeHex', () => {
  it('writes the same bytes as Buffer#write for any 32 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(8), (bytes, offset) => {
        const target = new Uint8Array(48);
        writeHex(target, offset, Buffer.from(bytes).toString('hex'));
        expect(Buffer.from(target.subarray(offset, offset + 32)).equals(Buffer.from(bytes))).toBe(
          true,
        );
      }),
    );
  });

  it('refuses strings that are not 64 lowercase hex digits', () => {
    const target = new Uint8Array(32);
    for (const bad of ['ab', 'A'.repeat(64), `${'0'.repeat(63)}g`, `${'0'.repeat(64)}0`]) {
      expect(() => writeHex(target, 0, bad)).toThrow(InvalidArgumentError);
    }
  });
});
