import { cp, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '@karnel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { copyExample, examples, mistakeMarkers, runKarnel } from '../../test/run-karnel';

const example = join(examples, 'newsletter-co');
const brokenGroup = fileURLToPath(
  new URL('../../../manifest/test/fixtures/broken-group', import.meta.url),
);

let root: string;
beforeAll(async () => {
  root = await copyExample('newsletter-co');
  await cp(brokenGroup, join(root, 'broken-group'), { recursive: true, verbatimSymlinks: true });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('karnel validate', () => {
  it('exits 0 for the newsletter-co example and prints no error', async () => {
    const run = await runKarnel(['validate', 'newsletter-co'], { cwd: root });
    expect(run.stdout).not.toMatch(/: error /);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('valid: 5 directories checked, 0 errors');
  });

  it('exits 0 for the example in the repository too', async () => {
    const run = await runKarnel(['validate', example], { cwd: root });
    expect(run.code).toBe(0);
  });

  it('exits 1 for the broken group and prints each mistake at its file and line', async () => {
    const run = await runKarnel(['validate', 'broken-group'], { cwd: root });
    expect(run.code).toBe(1);
    const printed = run.stdout
      .trim()
      .split('\n')
      .map((line) => /^(.+?):(\d+):(\d+): (error|warning|info) (\S+): /.exec(line))
      .map((match) => {
        expect(match).not.toBeNull();
        return `${match![1]}:${match![2]} ${match![5]}`;
      });
    const expected = await mistakeMarkers(join(root, 'broken-group'), 'broken-group');
    expect(expected.length).toBeGreaterThanOrEqual(19);
    // Other packages' checks may add findings of their own; every mistake is printed exactly once.
    for (const mistake of expected)
      expect(printed.filter((line) => line === mistake)).toHaveLength(1);
    const manifestCodes = new Set(expected.map((line) => line.split(' ')[1]));
    const extra = printed.filter(
      (line) => !expected.includes(line) && manifestCodes.has(line.split(' ')[1]!),
    );
    expect(extra).toEqual([]);
  });

  it('prints JSON with --format json', async () => {
    const run = await runKarnel(['validate', '--format', 'json', 'broken-group', 'newsletter-co'], {
      cwd: root,
    });
    expect(run.code).toBe(1);
    const diagnostics = JSON.parse(run.stdout) as Diagnostic[];
    expect(
      diagnostics.some(
        (diagnostic) =>
          diagnostic.file === 'broken-group/manifest.yaml' &&
          diagnostic.code === 'member/duplicate-role',
      ),
    ).toBe(true);
    expect(
      diagnostics.some(
        (diagnostic) =>
          diagnostic.file.startsWith('newsletter-co/') && diagnostic.severity === 'error',
      ),
    ).toBe(false);
    const valid = await runKarnel(['validate', '-f', 'json', 'newsletter-co'], { cwd: root });
    expect(valid.code).toBe(0);
    expect(Array.isArray(JSON.parse(valid.stdout))).toBe(true);
  });

  it('prints workflow annotations with --format github', async () => {
    const run = await runKarnel(['validate', '--format', 'github', 'broken-group'], { cwd: root });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error file=broken-group/manifest.yaml,line=6,col=7,title=id/invalid::',
    );
    expect(run.stdout).toMatch(
      /^::warning file=broken-group\/members\/old\.yaml,line=1,col=1,title=member\/unreferenced-file::/m,
    );
  });

  it('prints only errors with --quiet', async () => {
    const run = await runKarnel(['validate', '--quiet', 'broken-group'], { cwd: root });
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain(': warning ');
    expect(run.stdout).toContain(': error member/duplicate-role: ');
  });

  it('accepts an agent directory and a manifest.yaml path, and reports a missing path', async () => {
    expect((await runKarnel(['validate', 'newsletter-co/agents/critic'], { cwd: root })).code).toBe(
      0,
    );
    expect(
      (await runKarnel(['validate', 'newsletter-co/agents/critic/manifest.yaml'], { cwd: root }))
        .code,
    ).toBe(0);
    const missing = await runKarnel(['validate', 'newsletter-co', 'no-such-dir'], { cwd: root });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      'no-such-dir:1:1: error path/not-found: no such file or directory\n',
    );
    expect(missing.stdout.match(/: error /g)).toHaveLength(1);
  });

  it('answers a 50 MB manifest and an alias bomb with a diagnostic, not a crash', async () => {
    const huge = join(root, 'huge');
    await cp(join(example, 'agents', 'writer'), huge, { recursive: true });
    const chunk = Buffer.from(
      'key: "value value value value value value value value"\n'.repeat(20_000),
    );
    const handle = await open(join(huge, 'manifest.yaml'), 'w');
    for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length)
      await handle.write(chunk);
    await handle.close();
    const bomb = join(root, 'bomb');
    await cp(join(example, 'agents', 'writer'), bomb, { recursive: true });
    const levels = [
      'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ];
    for (let level = 1; level < 9; level++)
      levels.push(
        `a${level}: &a${level} [${Array(10)
          .fill(`*a${level - 1}`)
          .join(', ')}]`,
      );
    await writeFile(join(bomb, 'manifest.yaml'), `${levels.join('\n')}\nagent: *a8\n`);
    const run = await runKarnel(['validate', 'huge', 'bomb'], { cwd: root });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('huge/manifest.yaml:1:1: error file/too-large: ');
    expect(run.stdout).toContain('bomb/manifest.yaml:1:1: error yaml/alias-limit: ');
    expect(run.stderr).not.toContain('internal error');
  });

  it('exits 2 on usage errors', async () => {
    const none = await runKarnel(['validate'], { cwd: root });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("missing required argument 'path'");
    const format = await runKarnel(['validate', '--format', 'xml', 'newsletter-co'], { cwd: root });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain(
      "argument 'xml' is invalid. Allowed choices are text, json, github.",
    );
    expect((await runKarnel(['validate', '--colour', 'newsletter-co'], { cwd: root })).code).toBe(
      2,
    );
  });

  it('has --help and the program has --version', async () => {
    const help = await runKarnel(['validate', '--help'], { cwd: root });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--format <format>');
    expect(help.stdout).toContain('exits 0 when valid'.replace('exits', 'Exits'));
    const version = await runKarnel(['--version'], { cwd: root });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(packageJson.version);
  });
});

describe('karnel validate and tiers.yaml', () => {
  let dir: string;
  let ollama: string;
  const env = () => ({ KARNEL_CONFIG_HOME: join(dir, 'config'), OLLAMA_HOST: ollama });
  beforeAll(async () => {
    dir = await copyExample('newsletter-co');
    // A port nothing listens on: the machine profile sees no Ollama server.
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    ollama = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise<void>((done) => probe.close(() => done()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a key in a group tiers.yaml at its file, line and column, without printing it', async () => {
    const file = join(dir, 'newsletter-co', 'tiers.yaml');
    await writeFile(
      file,
      'providers:\n  openai:\n    api_key: "sk-proj-abcdefghijklmnop"\ntiers:\n  T2:\n    - model: openai:gpt-5-mini\n      price: { input: "0.25", output: "2" }\n',
    );
    const run = await runKarnel(['validate', 'newsletter-co'], { cwd: dir, env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `${join('newsletter-co', 'tiers.yaml')}:3:5: error tiers/key-in-group: `,
    );
    expect(run.stdout + run.stderr).not.toContain('sk-proj');
    await rm(file);
  });

  it('checks nothing of the machine without --profile; with it, warns at each unresolvable model_class', async () => {
    const file = join(dir, 'newsletter-co', 'tiers.yaml');
    await writeFile(
      file,
      'tiers:\n  frontier-reasoning:\n    - model: openai:gpt-5\n      price: { input: "1.25", output: "10" }\n',
    );
    const plain = await runKarnel(['validate', 'newsletter-co'], { cwd: dir, env: env() });
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('tiers/unresolvable');

    const profiled = await runKarnel(['validate', '--profile', 'newsletter-co'], {
      cwd: dir,
      env: { ...env(), OPENAI_API_KEY: '' },
    });
    expect(profiled.code).toBe(0);
    const critic = join('newsletter-co', 'agents', 'critic', 'manifest.yaml');
    expect(profiled.stdout).toMatch(
      new RegExp(
        `^${critic.replaceAll('/', '\\/')}:27:16: warning tiers/unresolvable: the agent's tier "frontier-reasoning" resolves to no model on this machine, so a run would fail: openai:gpt-5: no key for openai: set OPENAI_API_KEY \\(`,
        'm',
      ),
    );
    expect(profiled.stdout).toMatch(
      /agents\/researcher\/manifest\.yaml:27:16: warning tiers\/unresolvable: .*"fast-general".*no tiers\.yaml read \(newsletter-co\/tiers\.yaml\) lists a candidate/,
    );

    // The machine-level file given with --machine-file is read; its key resolves the tier.
    const machine = join(dir, 'machine-tiers.yaml');
    await writeFile(machine, 'providers:\n  openai:\n    api_key: "sk-machine-abcdefghijkl"\n');
    const keyed = await runKarnel(
      ['validate', '--profile', '--machine-file', machine, 'newsletter-co'],
      { cwd: dir, env: { ...env(), OPENAI_API_KEY: '' } },
    );
    expect(keyed.code).toBe(0);
    expect(keyed.stdout).not.toMatch(/critic\/manifest\.yaml.*tiers\/unresolvable/);
    expect(keyed.stdout).toMatch(/researcher\/manifest\.yaml.*tiers\/unresolvable/);
    expect(keyed.stdout + keyed.stderr).not.toContain('sk-machine');
    await rm(file);
  });

  it('a --machine-file that is not a file, or without --profile, is a usage error', async () => {
    const missing = await runKarnel(
      ['validate', '--profile', '--machine-file', join(dir, 'absent.yaml'), 'newsletter-co'],
      { cwd: dir, env: env() },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('absent.yaml is not a file');
    const alone = await runKarnel(['validate', '--machine-file', 'x.yaml', 'newsletter-co'], {
      cwd: dir,
      env: env(),
    });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('go with --profile');
  });
});
