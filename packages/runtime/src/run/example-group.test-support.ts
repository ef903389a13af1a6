import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSigner, generateKeyPair, type Signer } from '@karnel/core';

/** `examples/newsletter-co` in this repository. */
export const EXAMPLE_GROUP = resolve(import.meta.dirname, '../../../../examples/newsletter-co');

const EXAMPLE_OWNER = 'did:key:z6MkoYnUk5HUfhRjZAopWen8d69MN5sZzXNtYPkfBwnchE3Y';

async function manifestsUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'manifest.yaml')
      found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

/**
 * Copies `examples/newsletter-co` to a fresh temporary folder, owned by a fresh key (the
 * example's owner key is not published), so a test can sign as the owner.
 */
export async function copyExampleGroup(): Promise<{ dir: string; owner: Signer }> {
  const dir = join(await mkdtemp(join(tmpdir(), 'karnel-runtime-')), 'newsletter-co');
  await cp(EXAMPLE_GROUP, dir, { recursive: true });
  const owner = createSigner(generateKeyPair().secretKey);
  for (const path of await manifestsUnder(dir)) {
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replaceAll(EXAMPLE_OWNER, owner.did));
  }
  return { dir, owner };
}
