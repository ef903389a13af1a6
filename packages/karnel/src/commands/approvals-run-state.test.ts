import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample, runKarnel, useTempDir, writeKeyFile } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});

describe('karnel approvals and the group run state', () => {
  it('answers no request in a handed-off folder (the group runs elsewhere), and does once it is resumed', async () => {
    const group = join(await copyExample('newsletter-co'), 'newsletter-co');
    const key = join(dir, 'owner.key');
    await writeKeyFile(key);
    const did = (await runKarnel(['keys', 'show', key])).stdout.trim();
    const manifest = join(group, 'manifest.yaml');
    await writeFile(
      manifest,
      (await readFile(manifest, 'utf8')).replace(/owner: "did:key:[^"]+"/, `owner: "${did}"`),
    );
    expect((await runKarnel(['run', group, '--once', '--offline'])).code).toBe(0);
    const id = (await runKarnel(['approvals', 'list', group])).stdout.split(' ')[0]!;
    expect(id).toMatch(/^apr_/);
    const bundle = join(dir, 'away.tar');
    expect((await runKarnel(['migrate', 'export', group, '--to', bundle, '--key', key])).code).toBe(
      0,
    );
    const chain = await readFile(join(group, 'ledger/chain.jsonl'), 'utf8');
    const refused = await runKarnel(['approvals', 'approve', group, id, '--key', key]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: .+ was handed off \(ledger entry \d+\): answer approvals where the group runs now/,
    );
    expect(await readFile(join(group, 'ledger/chain.jsonl'), 'utf8')).toBe(chain);

    expect((await runKarnel(['group', 'resume', group, '--key', key])).code).toBe(0);
    const approved = await runKarnel(['approvals', 'approve', group, id, '--key', key]);
    expect(approved).toMatchObject({ code: 0, stderr: '' });
  });
});
