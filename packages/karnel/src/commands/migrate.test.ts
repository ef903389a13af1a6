import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { copyExample, runKarnel, useTempDir, writeKeyFile } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the runtime's first-run hook in its own process, as the runtime on machine B would. */
function resumeInProcess(group: string): Promise<string> {
  const script = `
    import { appendMigrationResumed } from '@karnel/runtime';
    const result = await appendMigrationResumed(${JSON.stringify(group)}, { host: 'machine-' + process.pid });
    console.log(JSON.stringify(result.appended ? { appended: true, seq: result.entry.seq, body: result.entry.body } : result));
  `;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageRoot,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(stdout) : reject(new Error(stderr))));
  });
}

const copies: string[] = [];
afterEach(async () => {
  await Promise.all(copies.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

async function ownedCopy(keyName = 'owner.key') {
  const root = await copyExample('newsletter-co');
  copies.push(root);
  const group = join(root, 'newsletter-co');
  const key = join(dir, keyName);
  await writeKeyFile(key);
  const did = (await runKarnel(['keys', 'show', key])).stdout.trim();
  const manifest = join(group, 'manifest.yaml');
  await writeFile(
    manifest,
    (await readFile(manifest, 'utf8')).replace(/owner: "did:key:[^"]+"/, `owner: "${did}"`),
  );
  return { root, group, key, did };
}

const snapshot = async (group: string) => ({
  manifest: await readFile(join(group, 'manifest.yaml'), 'utf8'),
  goals: await readFile(join(group, 'goals/current.yaml'), 'utf8'),
  strategic: await readFile(join(group, 'memory/strategic.yaml'), 'utf8'),
  writer: await readFile(join(group, 'agents/writer/memory/episodic.jsonl'), 'utf8'),
});

describe('karnel migrate', () => {
  it('moves a group A → B → A across two folders and processes: same ids, memory and goals, one verifying ledger', async () => {
    const { group: a, key } = await ownedCopy();
    const before = await snapshot(a);
    const bundleA = join(dir, 'a.tar');
    const exported = await runKarnel(['migrate', 'export', a, '--to', bundleA, '--key', key]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(
      /handed off grp_01KQPMFM80CKMS9ESEA4N62D4F at ledger entry \d+/,
    );
    expect((await runKarnel(['group', 'status', a])).stdout).toMatch(
      /^handed-off since ledger entry/,
    );

    const b = join(dir, 'machine-b', 'newsletter-co');
    const imported = await runKarnel([
      'migrate',
      'import',
      bundleA,
      '--into',
      b,
      '--no-adapter-checks',
    ]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('imported grp_01KQPMFM80CKMS9ESEA4N62D4F');
    expect(imported.stdout).toContain('ledger verified');
    // The group's warnings print one per line, not joined by a visible "\n".
    expect(imported.stdout).not.toContain('\\n');
    expect(imported.stdout).toMatch(/^manifest\.yaml:\d+:\d+: warning constraint\//m);
    const first = JSON.parse(await resumeInProcess(b));
    expect(first.appended).toBe(true);
    expect(first.body.consistency.path.length).toBeGreaterThanOrEqual(0);
    expect((await runKarnel(['group', 'status', b])).stdout).toMatch(/^active/);
    // The group lives on at B: a new memory.
    const memory = `${JSON.stringify({ id: 'epi_01KSZZZZZZZZZZZZZZZZZZZZZZ', at: '2026-06-01T10:00:00Z', kind: 'milestone', text: 'Ran on machine B.', actor: 'strategist' })}\n`;
    await appendFile(join(b, 'memory/episodic.jsonl'), memory);

    const bundleB = join(dir, 'b.tar');
    expect((await runKarnel(['migrate', 'export', b, '--to', bundleB, '--key', key])).code).toBe(0);
    await rm(a, { recursive: true });
    const back = await runKarnel([
      'migrate',
      'import',
      bundleB,
      '--into',
      a,
      '--no-adapter-checks',
    ]);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(JSON.parse(await resumeInProcess(a)).appended).toBe(true);

    expect(await snapshot(a)).toEqual(before);
    expect(await readFile(join(a, 'memory/episodic.jsonl'), 'utf8')).toContain('Ran on machine B.');
    const verified = await runKarnel(['ledger', 'verify', a]);
    expect(verified.code).toBe(0);
    const chain = await readFile(join(a, 'ledger/chain.jsonl'), 'utf8');
    const types = chain
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).entry.type as string)
      .filter((type) => type.startsWith('migration.'));
    expect(types).toEqual([
      'migration.handoff',
      'migration.resumed',
      'migration.handoff',
      'migration.resumed',
    ]);
  });

  it('refuses a tampered bundle naming the file, and a running group', async () => {
    const { group, key } = await ownedCopy();
    const bundle = join(dir, 'g.tar');
    expect((await runKarnel(['migrate', 'export', group, '--to', bundle, '--key', key])).code).toBe(
      0,
    );
    const bytes = await readFile(bundle);
    const at = bytes.indexOf('First 100 free subscribers');
    bytes[at] = bytes[at]! ^ 0x20;
    await writeFile(bundle, bytes);
    const refused = await runKarnel([
      'migrate',
      'import',
      bundle,
      '--into',
      join(dir, 'b'),
      '--no-adapter-checks',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('memory/episodic.jsonl: its content differs');

    const { group: running, key: ownerKey } = await ownedCopy('second.key');
    const lease = join(running, '.karnel');
    await mkdir(lease);
    await writeFile(
      join(lease, 'runtime.lease'),
      JSON.stringify({
        host: hostname(),
        pid: process.pid,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    const live = await runKarnel([
      'migrate',
      'export',
      running,
      '--to',
      join(dir, 'r.tar'),
      '--key',
      ownerKey,
    ]);
    expect(live.code).toBe(1);
    expect(live.stderr).toContain('the group is running');
  });
});
