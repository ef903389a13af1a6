import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyExample, runKarnel, useTempDir, writeKeyFile } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});
const copies: string[] = [];
afterEach(async () => {
  await Promise.all(copies.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

describe('karnel group', () => {
  it('pauses, resumes and dissolves with the owner key; another key is refused; dissolution is final', async () => {
    const root = await copyExample('newsletter-co');
    copies.push(root);
    const group = join(root, 'newsletter-co');
    const owner = join(dir, 'owner.key');
    const stranger = join(dir, 'stranger.key');
    await writeKeyFile(owner);
    await writeKeyFile(stranger);
    const did = (await runKarnel(['keys', 'show', owner])).stdout.trim();
    const manifest = join(group, 'manifest.yaml');
    await writeFile(
      manifest,
      (await readFile(manifest, 'utf8')).replace(/owner: "did:key:[^"]+"/, `owner: "${did}"`),
    );
    expect((await runKarnel(['group', 'status', group])).stdout.trim()).toBe('active');
    const paused = await runKarnel(['group', 'pause', group, '--key', owner, '-m', 'holiday']);
    expect(paused.stderr).toBe('');
    expect(paused.stdout).toMatch(/^paused: group\.paused at ledger entry \d+, signed by did:key:/);
    expect((await runKarnel(['group', 'status', group])).stdout).toMatch(
      /^paused since ledger entry \d+ \(group\.paused, .+: holiday\)/,
    );
    const idle = await runKarnel(['run', group, '--once', '--offline']);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toContain('the group is paused: no member is woken (karnel group resume)');
    expect(idle.stdout).toMatch(/\n0 runs: /);
    const refused = await runKarnel(['group', 'resume', group, '--key', stranger]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not the group's owner");
    expect((await runKarnel(['group', 'resume', group, '--key', owner])).code).toBe(0);
    const member = join(dir, 'member.key');
    await writeKeyFile(member);
    const joined = await runKarnel([
      'group',
      'join',
      group,
      'specialist_writer',
      '--kind',
      'foreign',
      '--key',
      owner,
      '--member-key',
      member,
    ]);
    expect(joined.stderr).toBe('');
    expect(joined.stdout).toMatch(
      /^member\.joined specialist_writer at ledger entry \d+, signed by did:key:\S+ and did:key:/,
    );
    expect((await runKarnel(['group', 'status', group])).stdout).toContain(
      'member specialist_writer: joined',
    );
    expect(
      (await runKarnel(['group', 'join', group, 'x', '--kind', 'robot', '--key', owner])).code,
    ).toBe(2);
    expect((await runKarnel(['group', 'dissolve', group, '--key', owner])).code).toBe(0);
    expect((await runKarnel(['group', 'status', group])).stdout).toMatch(/^dissolved/);
    const again = await runKarnel(['group', 'resume', group, '--key', owner]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('dissolution is final');
    expect((await runKarnel(['ledger', 'verify', group])).code).toBe(0);
  });
});
