import { cp, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateGroupDir } from './validate-group-dir';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..', '..', '..', 'examples', 'newsletter-co');

describe('validateGroupDir and manifests that a symlink leads out of the group', () => {
  let base: string;
  let group: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'karnel-manifest-outside-'));
    group = join(base, 'newsletter-co');
    await cp(example, group, { recursive: true });
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('refuses a group manifest.yaml linked outside with file/outside-root, unread', async () => {
    await rename(join(group, 'manifest.yaml'), join(base, 'manifest.yaml'));
    await symlink(join(base, 'manifest.yaml'), join(group, 'manifest.yaml'));
    const result = await validateGroupDir(group, { displayPath: 'newsletter-co' });
    expect(result.valid).toBe(false);
    expect(result.manifest).toBeUndefined();
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'file/outside-root', file: 'newsletter-co/manifest.yaml' }),
    );
  });

  it("refuses an agent's manifest.yaml linked outside", async () => {
    const manifest = join(group, 'agents', 'writer', 'manifest.yaml');
    await rename(manifest, join(base, 'writer.yaml'));
    await symlink(join(base, 'writer.yaml'), manifest);
    const result = await validateGroupDir(group, { displayPath: 'newsletter-co' });
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toContain('file/outside-root');
  });

  it('accepts a manifest linked to another place inside the group', async () => {
    await rename(join(group, 'manifest.yaml'), join(group, 'group.yaml'));
    await symlink(join(group, 'group.yaml'), join(group, 'manifest.yaml'));
    const result = await validateGroupDir(group, { displayPath: 'newsletter-co' });
    expect(result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
  });
});
