/**
 * Test support for the migration, lifecycle and curator tests: a copy of
 * `examples/newsletter-co` owned by a fresh key, and a tar rewriter. Not exported.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createSigner, generateKeyPair, type Signer } from '@karnel/core';
import { extract, pack } from 'tar-stream';
import { afterEach } from 'vitest';

/** The repository's example group. */
export const exampleGroup = fileURLToPath(
  new URL('../../../../examples/newsletter-co', import.meta.url),
);

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temporary folder, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-migration-'));
  made.push(dir);
  return dir;
}

/** A copy of the example group in a temporary folder, owned by a new key. */
export async function ownedGroupCopy(): Promise<{ dir: string; owner: Signer; root: string }> {
  const root = await tempDir();
  const dir = join(root, 'group-a');
  await cp(exampleGroup, dir, { recursive: true });
  const pair = generateKeyPair();
  const owner = createSigner(pair.secretKey);
  const manifest = join(dir, 'manifest.yaml');
  const text = await readFile(manifest, 'utf8');
  await writeFile(manifest, text.replace(/owner: "did:key:[^"]+"/, `owner: "${owner.did}"`));
  return { dir, owner, root };
}

/** One entry of a bundle, as {@link rewriteBundle} hands it to its edit function. */
export interface BundleEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  content: Buffer;
  linkname?: string;
}

/** Reads every entry of a tar file. */
export async function readBundle(file: string): Promise<BundleEntry[]> {
  const entries: BundleEntry[] = [];
  const reader = extract();
  const done = pipeline(createReadStream(file), reader);
  for await (const entry of reader) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({
      name: entry.header.name,
      type: entry.header.type as BundleEntry['type'],
      content: Buffer.concat(chunks),
    });
  }
  await done;
  return entries;
}

/** Writes `entries` as a tar file. */
export async function writeBundle(file: string, entries: readonly BundleEntry[]): Promise<void> {
  const writer = pack();
  const done = pipeline(writer, createWriteStream(file));
  for (const entry of entries) {
    await new Promise<void>((resolvePromise, reject) => {
      writer.entry(
        {
          name: entry.name,
          type: entry.type,
          ...(entry.type === 'symlink' ? { linkname: entry.linkname ?? '/etc/passwd' } : {}),
        },
        entry.type === 'file' ? entry.content : new Uint8Array(),
        (error) => (error ? reject(error) : resolvePromise()),
      );
    });
  }
  writer.finalize();
  await done;
}
