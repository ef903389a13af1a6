import { InvalidArgumentError } from '@karnel/core';

/** Value of each ASCII code as a lowercase hex digit, 255 for anything else. */
const HEX_VALUES = new Uint8Array(256).fill(255);
for (let digit = 0; digit < 16; digit++) HEX_VALUES['0123456789abcdef'.charCodeAt(digit)] = digit;

/**
 * Writes the 32 bytes that the 64 lowercase hex digits of `hex` spell into `target` at `offset`.
 * `Buffer#write(…, 'hex')` costs several times more for so short a string (argument checks and
 * a native call), and verification stores one such hash per entry. `hex` must already be known
 * to be 64 lowercase hex digits (an entry hash the verifier computed); anything else is a
 * programming error and throws {@link InvalidArgumentError}.
 */
export function writeHex(target: Uint8Array, offset: number, hex: string): void {
  let bad = hex.length !== 64;
  for (let index = 0; index < 32 && !bad; index++) {
    const high = HEX_VALUES[hex.charCodeAt(2 * index)] ?? 255;
    const low = HEX_VALUES[hex.charCodeAt(2 * index + 1)] ?? 255;
    bad = high === 255 || low === 255;
    target[offset + index] = (high << 4) | low;
  }
  if (bad) {
    throw new InvalidArgumentError({
      argument: 'hex',
      value: hex,
      message: 'expected 64 lowercase hex digits',
    });
  }
}

/**
 * Writes the 32 bytes that the 64 hex digits at `digits[digitsAt]` spell into `target` at
 * `offset`. The digits must already be known to be lowercase hex (an entry hash compared
 * with the one the verifier computed).
 */
export function writeHexDigits(
  target: Uint8Array,
  offset: number,
  digits: Uint8Array,
  digitsAt: number,
): void {
  for (let index = 0; index < 32; index++) {
    const high = HEX_VALUES[digits[digitsAt + 2 * index]!]!;
    const low = HEX_VALUES[digits[digitsAt + 2 * index + 1]!]!;
    target[offset + index] = (high << 4) | low;
  }
}
