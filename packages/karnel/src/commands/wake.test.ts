import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample, runKarnel, useTempDir, writeKeyFile } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});

/** A copy of the example group owned by a fresh key. */
async function ownedCopy() {
  const group = join(await copyExample('newsletter-co'), 'newsletter-co');
  const key = join(dir, 'owner.key');
  await writeKeyFile(key);
  const did = (await runKarnel(['keys', 'show', key])).stdout.trim();
  const manifest = join(group, 'manifest.yaml');
  await writeFile(
    manifest,
    (await readFile(manifest, 'utf8')).replace(/owner: "did:key:[^"]+"/, `owner: "${did}"`),
  );
  return { group, key };
}

const chain = (group: string) => readFile(join(group, 'ledger/chain.jsonl'), 'utf8');

describe('karnel wake and the group run state', () => {
  it('says a wake waits in a paused group, and records none for a member that left or in a dissolved or handed-off group', async () => {
    const { group, key } = await ownedCopy();
    expect((await runKarnel(['group', 'pause', group, '--key', key])).code).toBe(0);
    const paused = await runKarnel(['wake', group, 'writer', '--reason', 'draft']);
    expect(paused).toMatchObject({ code: 0, stderr: '' });
    expect(paused.stdout).toContain(
      'wake requested for writer: draft; the group is paused: it waits until the owner resumes the group',
    );
    expect((await runKarnel(['group', 'resume', group, '--key', key])).code).toBe(0);

    expect((await runKarnel(['group', 'leave', group, 'critic', '--key', key])).code).toBe(0);
    let before = await chain(group);
    const left = await runKarnel(['wake', group, 'critic', '--reason', 'review']);
    expect(left.code).toBe(1);
    expect(left.stderr.trim()).toBe(
      'error: critic left the group: it is not woken; "karnel group join" brings it back',
    );
    expect(await chain(group)).toBe(before);

    const bundle = join(dir, 'away.tar');
    expect((await runKarnel(['migrate', 'export', group, '--to', bundle, '--key', key])).code).toBe(
      0,
    );
    before = await chain(group);
    const away = await runKarnel(['wake', group, 'writer', '--reason', 'draft']);
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/was handed off \(ledger entry \d+\): no member is woken here/);
    expect(await chain(group)).toBe(before);

    expect((await runKarnel(['group', 'dissolve', group, '--key', key])).code).toBe(0);
    before = await chain(group);
    const gone = await runKarnel(['wake', group, 'writer', '--reason', 'draft']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/was dissolved \(ledger entry \d+\): no member is woken here/);
    expect(await chain(group)).toBe(before);
  });
});
