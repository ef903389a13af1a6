import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of the new file. Default `0o644`; key files use `0o600`. */
  mode?: number;
  /** Create missing parent folders. Default `true`. */
  createParents?: boolean;
}

/**
 * Replaces `path` with `data` so that readers, and a crash at any moment, see either the old
 * content or the new content, never a mixture or a truncated file.
 *
 * Writes a temporary file in the same folder, fsyncs it, renames it over `path` (atomic on
 * POSIX file systems) and fsyncs the folder so the rename itself survives a power cut.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  { mode = 0o644, createParents = true }: AtomicWriteOptions = {},
): Promise<void> {
  const folder = dirname(path);
  if (createParents) await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(folder);
}

/**
 * Fsyncs a folder so that entries created, renamed or removed in it are durable.
 * Silently does nothing on platforms that cannot open folders for syncing.
 */
export async function syncFolder(folder: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    await handle?.close();
  }
}
