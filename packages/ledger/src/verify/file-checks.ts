import { hash as oneShotHash } from 'node:crypto';
import { join } from 'node:path';
import { createDiagnostic } from '@karnel/core';
import type { FileDigest, LedgerEntry } from '../format/entry';
import type { SnapshotBody } from '../format/snapshot';
import type { DataFileReader } from '../read/data-file-reader';
import type { Findings } from './findings';

/**
 * The data-file half of verification: that every chunk an entry committed is still there with
 * the committed bytes, and that a snapshot's digests match the files' committed prefixes.
 */
export class FileChecks {
  /** Bytes of data files hashed so far. */
  bytes = 0;
  readonly #dir: string;
  readonly #reader: DataFileReader;
  readonly #findings: Findings;

  /**
   * @param dir - The ledger folder.
   * @param reader - Reads the data files.
   * @param findings - Where problems are reported.
   */
  constructor(dir: string, reader: DataFileReader, findings: Findings) {
    this.#dir = dir;
    this.#reader = reader;
    this.#findings = findings;
  }

  /** Checks one committed chunk, reading what it needs, and reports what is wrong with it. */
  async checkChunk(entry: LedgerEntry, line: number, file: FileDigest): Promise<void> {
    const location = join(this.#dir, ...file.path.split('/'));
    const size = await this.#reader.size(file.path);
    if (size === null) {
      this.#findings.report(
        entry.seq,
        line,
        createDiagnostic({
          file: location,
          code: 'ledger/file-missing',
          message: `${file.path}, written by entry ${entry.seq}, is missing`,
        }),
      );
      return;
    }
    const end = file.offset + file.size;
    if (size < end || (file.append !== true && size !== end)) {
      this.#findings.report(
        entry.seq,
        line,
        createDiagnostic({
          file: location,
          ...(await this.#reader.positionOf(file.path, Math.min(file.offset, size))),
          code: 'ledger/file-mismatch',
          message: `${file.path} is ${size} bytes, but entry ${entry.seq} committed ${file.append ? `bytes up to ${end}` : `${file.size} bytes`}`,
        }),
      );
      return;
    }
    this.bytes += file.size;
    const window = await this.#reader.window(file.path, file.offset, end);
    const content = window?.buffer.subarray(file.offset - window.base, end - window.base);
    if (!content || oneShotHash('sha256', content, 'hex') !== file.sha256) {
      this.#findings.report(
        entry.seq,
        line,
        createDiagnostic({
          file: location,
          ...(await this.#reader.positionOf(file.path, file.offset)),
          code: 'ledger/file-mismatch',
          message: `${file.path} bytes ${file.offset}..${end} do not match the digest entry ${entry.seq} committed (the file was modified)`,
        }),
      );
    }
  }

  /** Whether a chunk is intact, judged from bytes already read; `false` also when they are not. */
  chunkIntact(file: FileDigest): boolean {
    const size = this.#reader.knownSize(file.path);
    const end = file.offset + file.size;
    if (typeof size !== 'number' || size < end || (file.append !== true && size !== end)) {
      return false;
    }
    const content = this.#reader.cached(file.path, file.offset, end);
    if (!content || oneShotHash('sha256', content, 'hex') !== file.sha256) return false;
    this.bytes += file.size;
    return true;
  }

  /** Checks an entry's chunks; synchronous while their bytes are at hand, else a promise. */
  checkChunks(entry: LedgerEntry, line: number): Promise<boolean> | boolean {
    for (let index = 0; index < entry.files.length; index++) {
      if (this.chunkIntact(entry.files[index]!)) continue;
      return (async () => {
        for (const rest of entry.files.slice(index)) await this.checkChunk(entry, line, rest);
        return true;
      })();
    }
    return true;
  }

  /** Checks that a snapshot's file digests match the files' committed prefixes. */
  async checkSnapshot(
    entry: LedgerEntry,
    line: number,
    file: string,
    snapshot: SnapshotBody,
  ): Promise<void> {
    for (const claimed of snapshot.files) {
      const size = await this.#reader.size(claimed.path);
      if (size !== null && size >= claimed.size) {
        this.bytes += claimed.size;
        if ((await this.#reader.hashRange(claimed.path, 0, claimed.size)) === claimed.sha256)
          continue;
      }
      this.#findings.report(
        entry.seq,
        line,
        createDiagnostic({
          file: size !== null ? join(this.#dir, ...claimed.path.split('/')) : file,
          code: size !== null ? 'ledger/file-mismatch' : 'ledger/file-missing',
          message:
            size !== null
              ? `${claimed.path} does not have the ${claimed.size} bytes snapshot entry ${entry.seq} recorded`
              : `${claimed.path}, recorded by snapshot entry ${entry.seq}, is missing`,
        }),
      );
    }
  }
}
