import { createRequire } from 'node:module';

/**
 * The compiled verification accelerator (`native/verify-accelerator.cc`): the hot loop of
 * {@link verifyLedger} in C++, with OpenSSL's SHA-256 and two threads. It only vouches for
 * ordinary entries and leaves every other line to the TypeScript decoder, so reports are the
 * same with and without it.
 */
export interface VerifyAccelerator {
  /**
   * Reads the layout of the complete lines of `buffer[start, end)` into `lines`
   * ({@link lineColumns} numbers each: vouched 1/0, seq, prev start, newline index, first row,
   * linked 1/0, entry start, hash field start) and their file digests into `rows`
   * ({@link rowColumns} numbers each: line, path start, path length, offset, size, sha256
   * start, append 1/0, path id: rows whose paths are the same bytes share it), hashing nothing. Returns `[lines, rows, index after the last line]`.
   */
  readChainLines(
    buffer: Uint8Array,
    start: number,
    end: number,
    lines: Float64Array,
    rows: Float64Array,
  ): [number, number, number];
  /**
   * Starts the helper thread hashing the entries of the first `lineCount` lines, to run while
   * the caller reads the data files the block's rows name. Returns a token to pass to
   * {@link hashChainBlock} (0 when the helper did not start: it then hashes everything).
   */
  startHashingLines(
    buffer: Uint8Array,
    lines: Float64Array,
    lineCount: number,
    leaves: Uint8Array,
  ): number;
  /** Collects the hand-over `token` (hashing what is left of it) if it is still pending. */
  waitHashing(token: number): void;
  /**
   * Hashes the entries of the first `lineCount` lines (their hashes go to `leaves`, 32 bytes
   * each; a line whose stored hash differs is no longer vouched for), sets each line's linked
   * cell, and checks `chunkCount` chunks (`chunks`: file index into `files`, offset, size,
   * digest start in `buffer`), setting `chunkOk[i]` to 1 when chunk `i` fits its file and has
   * its digest. With a `token` from {@link startHashingLines}, the entries are that
   * hand-over's, and are collected from it.
   */
  hashChainBlock(
    buffer: Uint8Array,
    lines: Float64Array,
    lineCount: number,
    leaves: Uint8Array,
    files: readonly (Uint8Array | null)[],
    chunks: Float64Array,
    chunkCount: number,
    chunkOk: Uint8Array,
    token?: number,
  ): void;
  /** Numbers per line in the `lines` table. */
  readonly lineColumns: number;
  /** Numbers per file digest in the `rows` table. */
  readonly rowColumns: number;
}

let loaded: VerifyAccelerator | null | undefined;

/**
 * The verification accelerator, when it was built for this platform and is not turned off
 * with `KARNEL_LEDGER_NATIVE=0`; `undefined` otherwise (verification then runs entirely in
 * TypeScript).
 */
export function loadVerifyAccelerator(): VerifyAccelerator | undefined {
  if (loaded === undefined) {
    loaded = null;
    if (process.env.KARNEL_LEDGER_NATIVE !== '0') {
      try {
        // From src/ (tests) and from dist/ (the bundle) alike, the addon is one folder up.
        loaded = createRequire(import.meta.url)(
          '../build/Release/verify_accelerator.node',
        ) as VerifyAccelerator;
      } catch {
        loaded = null;
      }
    }
  }
  return loaded ?? undefined;
}

/** Whether {@link verifyLedger} can use the compiled accelerator in this process. */
export function isVerifyAcceleratorAvailable(): boolean {
  return loadVerifyAccelerator() !== undefined;
}
