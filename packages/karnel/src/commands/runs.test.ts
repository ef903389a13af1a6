import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKarnel, useTempDir } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});

describe('karnel runs', () => {
  it('refuses a path that is not a group directory instead of listing no runs', async () => {
    const missing = await runKarnel(['runs', 'list', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim()).toBe(
      `error: ${join(dir, 'nope')} is not a group directory (no such folder)`,
    );
    await mkdir(join(dir, 'empty'));
    const empty = await runKarnel(['runs', 'list', join(dir, 'empty')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe(
      `error: ${join(dir, 'empty')} is not a group directory (no manifest.yaml)`,
    );
  });
});
