import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readFileInside } from '@karnel/core';
import { pack as createPack } from 'tar-stream';
import { hashFileAt, listGroupPaths } from '../migration/group-files';

/** Where curator snapshots are kept, relative to the group directory (machine-local). */
export const CURATOR_SNAPSHOT_FOLDER = '.karnel/curator/snapshots';

/** How many snapshots are kept; older ones are removed. */
export const CURATOR_SNAPSHOTS_KEPT = 5;

/**
 * Writes a tar of every file under the given folders (relative to `dir`) to
 * `.karnel/curator/snapshots/<name>.tar` and keeps the newest {@link CURATOR_SNAPSHOTS_KEPT}.
 * Returns the snapshot's path (relative to `dir`) and SHA-256.
 */
export async function writeCuratorSnapshot(
  dir: string,
  folders: readonly string[],
  name: string,
): Promise<{ path: string; sha256: string; files: number }> {
  const target = join(dir, CURATOR_SNAPSHOT_FOLDER);
  await mkdir(target, { recursive: true });
  const relativePath = `${CURATOR_SNAPSHOT_FOLDER}/${name}.tar`;
  const partial = join(dir, `${relativePath}.partial`);
  const pack = createPack();
  const done = pipeline(pack, createWriteStream(partial));
  let count = 0;
  for (const folder of folders) {
    const { files } = await listGroupPaths(join(dir, folder));
    for (const file of files) {
      // Read inside the group only, even if a file became a link since it was listed.
      const content = await readFileInside(dir, join(dir, folder, file.path));
      await new Promise<void>((resolvePromise, reject) =>
        pack.entry(
          { name: `${folder}/${file.path}`, size: content.length, mtime: new Date(0) },
          content,
          (error) => (error ? reject(error) : resolvePromise()),
        ),
      );
      count += 1;
    }
  }
  pack.finalize();
  await done;
  await rename(partial, join(dir, relativePath));
  const snapshots = (await readdir(target)).filter((entry) => entry.endsWith('.tar')).sort();
  for (const old of snapshots.slice(0, Math.max(0, snapshots.length - CURATOR_SNAPSHOTS_KEPT)))
    await rm(join(target, old), { force: true });
  return {
    path: relativePath,
    sha256: (await hashFileAt(join(dir, relativePath))).sha256,
    files: count,
  };
}
