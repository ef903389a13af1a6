import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample, runKarnel, useTempDir } from '../../test/run-karnel';

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
  it('refuses to list or show runs from a ledger whose committed run files were edited, naming the file', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    expect((await runKarnel(['run', group, '--once', '--offline'])).code).toBe(0);
    const [runId] = (await readdir(join(group, 'ledger/runs'))).sort();
    const outcome = join(group, 'ledger/runs', runId!, 'outcome.yaml');
    await writeFile(outcome, (await readFile(outcome, 'utf8')).replace('succeeded', 'failed'));
    for (const args of [
      ['runs', 'list', group],
      ['runs', 'show', group, runId!],
    ]) {
      const run = await runKarnel(args);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`runs/${runId}/outcome.yaml`);
      expect(run.stdout).toContain('ledger/file-mismatch');
      expect(run.stderr).toContain('does not verify');
      expect(run.stdout).not.toMatch(/ failed /);
    }
  });
});
