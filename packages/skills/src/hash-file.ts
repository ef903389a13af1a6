import { createReadStream } from 'node:fs';
import { createSha256 } from '@karnel/core';

/** SHA-256 of a file as lowercase hex, streamed so a large module is not held in memory. */
export async function hashFile(path: string): Promise<string> {
  const hasher = createSha256();
  for await (const chunk of createReadStream(path)) hasher.update(chunk as Buffer);
  return hasher.digestHex();
}
