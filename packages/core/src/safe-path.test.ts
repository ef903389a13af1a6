import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWithin, resolveInside } from './safe-path';

describe('resolveInside', () => {
  it('accepts paths inside, existing or not', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-'));
    await mkdir(join(root, 'members'));
    expect(await resolveInside(root, './members')).toMatchObject({ ok: true, exists: true });
    expect(await resolveInside(root, 'memory/semantic')).toMatchObject({ ok: true, exists: false });
    expect(await resolveInside(root, 'a/../members')).toMatchObject({
      ok: true,
      path: join(root, 'members'),
    });
  });

  it('refuses absolute paths, .. escapes and symlinks that lead outside', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-'));
    const outside = await mkdtemp(join(tmpdir(), 'karnel-outside-'));
    await writeFile(join(outside, 'secret'), 'x');
    await symlink(outside, join(root, 'link'));
    await symlink(join(root), join(root, 'self'));
    expect(await resolveInside(root, '/etc/passwd')).toMatchObject({
      ok: false,
      reason: 'absolute',
    });
    expect(await resolveInside(root, '../x')).toMatchObject({ ok: false, reason: 'escapes' });
    expect(await resolveInside(root, 'a/../../x')).toMatchObject({ ok: false, reason: 'escapes' });
    expect(await resolveInside(root, 'link/secret')).toMatchObject({
      ok: false,
      reason: 'symlink-escapes',
    });
    expect(await resolveInside(root, 'self')).toMatchObject({ ok: true });
  });

  it('compares whole path segments', () => {
    expect(isWithin('/a/b', '/a/b')).toBe(true);
    expect(isWithin('/a/b', '/a/b/c')).toBe(true);
    expect(isWithin('/a/b', '/a/bc')).toBe(false);
    expect(isWithin('/a/b', '/a/..b')).toBe(false);
  });
});
