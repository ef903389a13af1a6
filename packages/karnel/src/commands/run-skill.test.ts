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

  it('takes a folder grant without a glob to mean the folder, and names a grant that misses', async () => {
    const cwd = await makeTempDir();
    const dir = join(cwd, 'reader');
    await mkdir(join(dir, 'scripts'), { recursive: true });
    await mkdir(join(cwd, 'data'));
    await writeFile(join(cwd, 'data', 'note.txt'), 'inside the folder');
    await writeFile(join(dir, 'SKILL.md'), '---\nname: reader\ndescription: Reads a file.\n---\n');
    await writeFile(
      join(dir, 'karnel.yaml'),
      'karnel_skill_version: "0.2"\nexecution:\n  runtime: node\n',
    );
    await writeFile(
      join(dir, 'scripts', 'main.mjs'),
      "import { readFileSync } from 'node:fs';\nprocess.stdout.write(readFileSync(readFileSync(0, 'utf8'), 'utf8'));\n",
    );
    const input = join(cwd, 'data', 'note.txt');
    for (const grant of [`fs.read:${join(cwd, 'data')}`, 'fs.read:data', 'fs.read:data/']) {
      const run = await runKarnel(['run-skill', dir, '--input', input, '--grant', grant], { cwd });
      expect(run.stderr).toBe('');
      expect(run).toMatchObject({ code: 0, stdout: 'inside the folder\n' });
    }
    // The skill declares a folder scope; a grant of one file in it does not cover the folder.
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'note.txt'), 'declared');
    await writeFile(
      join(dir, 'karnel.yaml'),
      'karnel_skill_version: "0.2"\nexecution:\n  runtime: node\n  sandbox:\n    filesystem:\n      read: [data]\n',
    );
    const narrow = await runKarnel(
      [
        'run-skill',
        dir,
        '--input',
        join(dir, 'data', 'note.txt'),
        '--grant',
        'fs.read:reader/data/note.txt',
      ],
      { cwd },
    );
    expect(narrow.code).toBe(1);
    expect(narrow.stderr).toContain(
      `--grant fs.read:reader/data/note.txt does not cover fs.read:${join(dir, 'data')}/**`,
    );
    const folder = await runKarnel(
      [
        'run-skill',
        dir,
        '--input',
        join(dir, 'data', 'note.txt'),
        '--grant',
        'fs.read:reader/data',
      ],
      { cwd },
    );
    expect(folder).toMatchObject({ code: 0, stdout: 'declared\n' });
  });

  it('says on every run with --isolation process that it is not a security boundary', async () => {
    const cwd = await makeTempDir();
    const text = await runKarnel(
      ['run-skill', join(skills, 'word-count-node'), '--input', 'a b', '--isolation', 'process'],
      { cwd },
    );
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/warning: isolation "process" is not a security boundary/);
    const json = await runKarnel(
      [
        'run-skill',
        join(skills, 'word-count-node'),
        '--input',
        'a b',
        '--isolation',
        'process',
        '--format',
        'json',
        '--ledger',
        'ledger',
      ],
      { cwd },
    );
    expect(json.code).toBe(0);
    expect(json.stderr).toMatch(/not a security boundary/);
    expect(JSON.parse(json.stdout).unprotected).toMatch(/not a security boundary/);
    const entries = [];
    for await (const entry of readLedgerEntries(join(cwd, 'ledger'))) entries.push(entry);
    expect(entries).toHaveLength(2);
    for (const entry of entries) expect(entry.body.unprotected).toMatch(/not a security boundary/);
    const bounded = await runKarnel(
      ['run-skill', join(skills, 'word-count-node'), '--input', 'a b'],
      { cwd },
    );
    expect(bounded).toMatchObject({ code: 0, stderr: '' });
  });
});
