import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '@karnel/core';
import type { FileDigest } from '@karnel/ledger';

/** Reads a file an entry committed, checking its digest; `undefined` when it does not match. */
export async function readCommitted(dir: string, digest: FileDigest): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(join(dir, ...digest.path.split('/')), 'r');
    const buffer = Buffer.alloc(digest.size);
    const { bytesRead } = await handle.read(buffer, 0, digest.size, digest.offset ?? 0);
    if (bytesRead !== digest.size) return undefined;
    const expected = digest.sha256.replace(/^sha256:/, '');
    return sha256Hex(buffer) === expected ? buffer : undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
