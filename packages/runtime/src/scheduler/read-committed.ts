import { join } from 'node:path';
import { createDiagnostic, OutsideRootError, openInside, sha256Hex } from '@karnel/core';
import { type FileDigest, type LedgerEntry, LedgerIntegrityError } from '@karnel/ledger';

/**
 * Reads a file an entry committed and checks it against the entry's digest. A file that is
 * missing, cannot be read, is shorter than recorded or does not match is a tampered ledger, not
 * an absent record: it throws, naming the file and the entry, and nothing is guessed from it.
 *
 * @throws {LedgerIntegrityError} (`ledger/file-missing` or `ledger/file-mismatch`).
 */
export async function readCommitted(
  dir: string,
  digest: FileDigest,
  entry?: Pick<LedgerEntry, 'seq' | 'type'>,
): Promise<Buffer> {
  const of = entry ? ` (committed by ledger entry ${entry.seq}, ${entry.type})` : '';
  const refuse = (code: 'ledger/file-missing' | 'ledger/file-mismatch', message: string) =>
    new LedgerIntegrityError({
      dir,
      diagnostics: [
        createDiagnostic({ file: digest.path, line: 1, column: 1, code, message: message + of }),
      ],
    });
  let handle: Awaited<ReturnType<typeof openInside>> | undefined;
  try {
    // Inside the ledger folder only: a data file linked elsewhere is refused unread.
    handle = await openInside(dir, join(dir, ...digest.path.split('/')));
  } catch (error) {
    if (OutsideRootError.isInstance(error)) throw refuse('ledger/file-mismatch', error.message);
    const code = (error as NodeJS.ErrnoException).code;
    throw refuse(
      'ledger/file-missing',
      code === 'ENOENT'
        ? `${digest.path} is missing`
        : `${digest.path} cannot be read (${code ?? 'error'})`,
    );
  }
  try {
    const buffer = Buffer.alloc(digest.size);
    const { bytesRead } = await handle.read(buffer, 0, digest.size, digest.offset ?? 0);
    if (bytesRead !== digest.size)
      throw refuse('ledger/file-mismatch', `${digest.path} is shorter than recorded`);
    const expected = digest.sha256.replace(/^sha256:/, '');
    if (sha256Hex(buffer) !== expected)
      throw refuse('ledger/file-mismatch', `${digest.path} does not match its digest`);
    return buffer;
  } finally {
    await handle.close();
  }
}
