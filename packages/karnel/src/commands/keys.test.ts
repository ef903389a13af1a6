import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKarnel, useTempDir } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});

describe('karnel keys', () => {
  it('generates a private key file with mode 0600 and prints its identity', async () => {
    const file = join(dir, 'owner.key');
    const generated = await runKarnel(['keys', 'generate', file]);
    expect(generated.code).toBe(0);
    expect(generated.stdout.trim()).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await runKarnel(['keys', 'show', file])).stdout).toBe(generated.stdout);
    const again = await runKarnel(['keys', 'generate', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });
});
