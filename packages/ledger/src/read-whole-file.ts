import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Reads a whole file in one synchronous read, normally. `readFile` reads in 512 KiB steps, each
 * a round trip through libuv's thread pool, which on a busy machine costs more than the copy
 * itself; verification reads every data file of the ledger this way, between stretches of
 * synchronous hashing that block the event loop far longer than a read from the page cache.
 * A file that grows while being read is read up to the size it had when opened. `allocate`
 * provides the buffer for a file of a given size.
 */
export async function readWholeFile(
  path: string,
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = allocate(size);
    let filled = 0;
    while (filled < size) {
      const bytesRead = readSync(handle.fd, buffer, filled, size - filled, filled);
      if (bytesRead === 0) break; // the file shrank meanwhile: return what is there
      filled += bytesRead;
    }
    return filled === size ? buffer : buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
