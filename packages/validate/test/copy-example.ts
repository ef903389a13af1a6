/**
 * Test support for the checks' tests: temporary copies of the repository's examples, so a test
 * can edit a group and validate it. Not a test itself, and not part of the published package.
 */
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's `examples/` folder. */
export const examples = fileURLToPath(new URL('../../../examples', import.meta.url));

/** Creates a new empty folder under the system temp folder, named `karnel-…`. */
export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'karnel-'));
}

/**
 * Copies `examples/<name>` into a new temp folder and returns that folder, so a test can edit
 * the copy and refer to the group by the relative path `<name>`.
 */
export async function copyExample(name: string): Promise<string> {
  const root = await makeTempDir();
  await cp(join(examples, name), join(root, name), { recursive: true });
  return root;
}
