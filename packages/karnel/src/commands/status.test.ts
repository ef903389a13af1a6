import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample, runKarnel, useTempDir } from '../../test/run-karnel';

useTempDir(() => {});

describe('karnel status', () => {
  it('says when the group does not validate, so "due now" is not mistaken for what will run', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const valid = await runKarnel(['status', group]);
    expect(valid).toMatchObject({ code: 0, stderr: '' });
    expect(valid.stdout).not.toContain('invalid');
    await writeFile(join(group, 'goals/current.yaml'), 'mission: 42\n');
    const status = await runKarnel(['status', group]);
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[1]).toBe(
      `invalid  2 errors: "karnel run" refuses to start; "karnel validate ${group}" shows them`,
    );
  });
});
