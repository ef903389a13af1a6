import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '@karnel/core';
import { readLedgerEntries } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runKarnel, writeKeyFile } from '../../test/run-karnel';

const skills = fileURLToPath(new URL('../../../../examples/skills', import.meta.url));

describe('karnel run-skill', () => {
  it('runs the native example end to end, and only with the read granted', async () => {
    const cwd = await makeTempDir();
    await writeFile(join(cwd, 'data.txt'), 'hash me');
    const args = ['run-skill', join(skills, 'hash-file-native'), '--input', '{"path":"data.txt"}'];
    const denied = await runKarnel(args, { cwd });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toMatch(/fs\.read:.*data\.txt.*denied/);
    const run = await runKarnel([...args, '--grant', 'fs.read:data.txt'], { cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ sha256: sha256Hex('hash me'), bytes: 7 });
  });

  it('runs the node example end to end', async () => {
    const run = await runKarnel(
      ['run-skill', join(skills, 'word-count-node'), '--input', 'one two\nthree\n'],
      { cwd: tmpdir() },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ lines: 2, words: 3, characters: 14 });
  });

  it('runs the python example end to end', async () => {
    const run = await runKarnel(
      [
        'run-skill',
        join(skills, 'csv-summary-python'),
        '--input-file',
        join(skills, 'csv-summary-python', 'assets', 'sample.csv'),
      ],
      { cwd: tmpdir() },
    );
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.rows).toBe(4);
    expect(summary.columns.population).toMatchObject({ numeric: true, min: 225081, max: 522250 });
    expect(summary.columns.city).toMatchObject({ numeric: false, distinct: 4 });
  });

  it('runs the wasm example end to end', async () => {
    const run = await runKarnel(['run-skill', join(skills, 'add-wasm'), '--input', '40 2'], {
      cwd: tmpdir(),
    });
    expect(run).toMatchObject({ code: 0, stdout: '42\n' });
  });

  it('prints the whole result as JSON and records the run in a signed ledger', async () => {
    const cwd = await makeTempDir();
    await writeKeyFile(join(cwd, 'worker.key'));
    const run = await runKarnel(
      [
        'run-skill',
        join(skills, 'add-wasm'),
        '--input',
        '1 1',
        '--format',
        'json',
        '--ledger',
        'ledger',
        '--key',
        'worker.key',
      ],
      { cwd },
    );
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: true, output: '2', exitCode: 0 });
    expect(result.killedBy).toBeUndefined();
    const entries = [];
    for await (const entry of readLedgerEntries(join(cwd, 'ledger'))) entries.push(entry);
    expect(entries.map((entry) => entry.type)).toEqual(['skill.run_started', 'skill.run_finished']);
    expect(entries.every((entry) => entry.signer?.startsWith('did:key:'))).toBe(true);
    expect(entries[1]!.body).toMatchObject({ runId: result.runId, ok: true });
  });

  it('probes what the machine can enforce', async () => {
    const run = await runKarnel(['run-skill', '--probe', '--format', 'json'], { cwd: tmpdir() });
    expect(run.code).toBe(0);
    const probes = JSON.parse(run.stdout) as { runtime: string; layers: string[] }[];
    expect(probes.map((probe) => probe.runtime)).toEqual(['native', 'node', 'python', 'wasm']);
    expect(probes.find((probe) => probe.runtime === 'node')?.layers).toContain('node-permission');
  });

  it('exits 2 on a bad command line and 1 for a folder that is not a skill', async () => {
    expect((await runKarnel(['run-skill'], { cwd: tmpdir() })).code).toBe(2);
    expect(
      (
        await runKarnel(['run-skill', join(skills, 'add-wasm'), '--isolation', 'none'], {
          cwd: tmpdir(),
        })
      ).code,
    ).toBe(2);
    expect(
      (
        await runKarnel(['run-skill', join(skills, 'add-wasm'), '--grant', 'NOT A CAPABILITY'], {
          cwd: tmpdir(),
        })
      ).code,
    ).toBe(2);
    const empty = await makeTempDir();
    expect((await runKarnel(['run-skill', empty], { cwd: tmpdir() })).code).toBe(1);
  });

  it('does not hand the caller environment to the skill', async () => {
    const cwd = await makeTempDir();
    const dir = join(cwd, 'env-dump');
    await mkdir(join(dir, 'scripts'), { recursive: true });
    await writeFile(
      join(dir, 'SKILL.md'),
      '---\nname: env-dump\ndescription: Prints its environment.\n---\n',
    );
    await writeFile(
      join(dir, 'karnel.yaml'),
      'karnel_skill_version: "0.2"\nexecution:\n  runtime: node\n',
    );
    await writeFile(
      join(dir, 'scripts', 'main.mjs'),
      'console.log(JSON.stringify(process.env));\n',
    );
    const secret = `cli-secret-${Date.now()}`;
    const run = await runKarnel(['run-skill', dir], { cwd, env: { KARNEL_TEST_SECRET: secret } });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(secret);
    expect(Object.keys(JSON.parse(run.stdout))).not.toContain('KARNEL_TEST_SECRET');
    expect(await readFile(join(dir, 'karnel.yaml'), 'utf8')).toContain('runtime: node');
  });
});
