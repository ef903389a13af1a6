import { cp, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMemberAdapter } from './load-member-adapter';

const example = fileURLToPath(new URL('../../../examples/newsletter-co', import.meta.url));

describe('loadMemberAdapter and a member file a symlink leads out of the group', () => {
  let base: string;
  let group: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'karnel-adapters-outside-'));
    group = join(base, 'newsletter-co');
    await cp(example, group, { recursive: true });
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('gives no adapter and says file/outside-root, the linked file unread', async () => {
    const file = join(group, 'members', 'specialist_writer.yaml');
    await rename(file, join(base, 'specialist_writer.yaml'));
    await symlink(join(base, 'specialist_writer.yaml'), file);
    const loaded = await loadMemberAdapter(group, 'specialist_writer');
    expect(loaded.adapter).toBeUndefined();
    expect(loaded.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['file/outside-root']);
  });

  it('loads the adapter from a member file linked inside the group', async () => {
    const file = join(group, 'members', 'specialist_writer.yaml');
    await rename(file, join(group, 'specialist.yaml'));
    await symlink(join(group, 'specialist.yaml'), file);
    const loaded = await loadMemberAdapter(group, 'specialist_writer');
    expect(loaded.adapter?.type).toBe('hermes');
  });
});
