/** Returns the text of `bytes[start, end)` as a string, reusing one it returned recently. */
export type Latin1Interner = (bytes: Uint8Array, start: number, end: number) => string;

/**
 * Creates a reader of short one-byte-per-character strings (record types, data file paths)
 * that remembers the last `size` distinct ones and returns the remembered string when the bytes
 * spell it. A ledger repeats the same few types and paths in nearly every entry: comparing a
 * few dozen bytes in a loop costs less than a native `toString` call and the garbage it leaves,
 * and later `Set` lookups of a string seen before are cheaper too. The result is always exactly
 * `Buffer#toString('latin1', start, end)`.
 */
export function createLatin1Interner(size = 16): Latin1Interner {
  const recent: string[] = [];
  let nextSlot = 0;
  return (bytes, start, end) => {
    const length = end - start;
    for (let slot = 0; slot < recent.length; slot++) {
      const candidate = recent[slot]!;
      if (candidate.length !== length) continue;
      let index = 0;
      while (index < length && bytes[start + index] === candidate.charCodeAt(index)) index++;
      if (index === length) return candidate;
    }
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
      'latin1',
      start,
      end,
    );
    recent[nextSlot] = text;
    nextSlot = (nextSlot + 1) % size;
    return text;
  };
}
