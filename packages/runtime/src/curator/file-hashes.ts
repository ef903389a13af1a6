import { join } from 'node:path';
import { readFileInside, sha256Hex } from '@karnel/core';
import { listGroupPaths } from '../migration/group-files';
import type { FileHash } from './curator-records';

/**
 * The files under `folder` (relative to `base`, `/`-separated), each with its size and SHA-256,
 * sorted; with `withBytes`, their content too. Lock files are left out; a link is refused, and
 * a file is read only while its real location is inside `base` (`readFileInside`).
 */
export async function hashFolder(
  base: string,
  folder: string,
): Promise<{ hashes: FileHash[]; bytes: Map<string, Buffer> }> {
  const { files } = await listGroupPaths(join(base, folder));
  const hashes: FileHash[] = [];
  const bytes = new Map<string, Buffer>();
  for (const file of files) {
    const content = await readFileInside(base, join(base, folder, file.path));
    hashes.push({
      path: `${folder}/${file.path}`,
      size: content.length,
      sha256: sha256Hex(content),
    });
    bytes.set(file.path, content);
  }
  return { hashes, bytes };
}
