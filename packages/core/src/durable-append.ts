import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncFolder } from './atomic-write';
import { openInside } from './read-inside';

/** Options of {@link appendFileDurable} and {@link openAppendLog}. */
export interface AppendOptions {
  /**
   * The folder the file must really be inside (a group's root): a file that a symbolic link
   * leads out of it is neither created nor written, the call throws an `OutsideRootError` (see
   * {@link openInside}). Default: none, links are followed.
   */
  readonly root?: string;
}

/**
 * Appends `data` to `path` and returns only once it is on disk (fsync). Creates the file (and
 * makes its creation durable) when it does not exist.
 *
 * For many appends to one file, {@link openAppendLog} keeps the file open and is much faster.
 */
export async function appendFileDurable(
  path: string,
  data: string | Uint8Array,
  options: AppendOptions = {},
): Promise<void> {
  const log = await openAppendLog(path, options);
  try {
    await log.append(data);
  } finally {
    await log.close();
  }
}

/** A file opened for durable appends. */
export interface AppendLog {
  /** The file's path. */
  readonly path: string;
  /** Appends `data` and resolves once it is durable. */
  append(data: string | Uint8Array): Promise<void>;
  /** Appends without syncing; call {@link AppendLog.sync} before acknowledging anything. */
  appendUnsynced(data: string | Uint8Array): Promise<void>;
  /** Makes every earlier append durable. */
  sync(): Promise<void>;
  /** Closes the file. */
  close(): Promise<void>;
}

/**
 * Opens `path` for appending (`O_APPEND`: every write lands at the current end, even with other
 * writers). Creates the file and its parents when missing, and fsyncs the folder so the new file
 * survives a crash.
 */
export async function openAppendLog(
  path: string,
  { root }: AppendOptions = {},
): Promise<AppendLog> {
  await mkdir(dirname(path), { recursive: true });
  const openLog = (exclusive: boolean) => {
    if (root === undefined) return open(path, exclusive ? 'ax' : 'a');
    const flags =
      constants.O_WRONLY |
      constants.O_APPEND |
      constants.O_CREAT |
      (exclusive ? constants.O_EXCL : 0);
    return openInside(root, path, { flags });
  };
  let created = false;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await openLog(true);
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    handle = await openLog(false);
  }
  if (created) await syncFolder(dirname(path));
  const write = async (data: string | Uint8Array) => {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.byteLength) {
      const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
      offset += bytesWritten;
    }
  };
  return {
    path,
    append: async (data) => {
      await write(data);
      await handle.datasync();
    },
    appendUnsynced: write,
    sync: () => handle.datasync(),
    close: () => handle.close(),
  };
}
