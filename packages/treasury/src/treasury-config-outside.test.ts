import { cp, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTreasuryConfig } from './treasury-config';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..', '..', '..', 'examples', 'newsletter-co', 'treasury');

describe('loadTreasuryConfig and a file a symlink leads out of the treasury folder', () => {
  let base: string;
  let dir: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'karnel-treasury-outside-'));
    dir = join(base, 'treasury');
    await cp(example, dir, { recursive: true });
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it.each(['balances.yaml', 'allocation_rules.yaml'])(
    'refuses %s linked outside with file/outside-root, unread',
    async (file) => {
      await rename(join(dir, file), join(base, file));
      await symlink(join(base, file), join(dir, file));
      const result = await loadTreasuryConfig(dir, { displayPath: 'treasury' });
      expect(result.config).toBeUndefined();
      expect(result.diagnostics).toContainEqual(
        expect.objectContaining({ code: 'file/outside-root', file: `treasury/${file}` }),
      );
    },
  );

  it('reads a file linked to another place inside the folder', async () => {
    await rename(join(dir, 'balances.yaml'), join(dir, 'kept.yaml'));
    await symlink(join(dir, 'kept.yaml'), join(dir, 'balances.yaml'));
    const result = await loadTreasuryConfig(dir);
    expect(result.config).toBeDefined();
  });
});
