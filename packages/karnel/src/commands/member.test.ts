import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLedger } from '@karnel/ledger';
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

async function append(group: string, type: string, body: Record<string, unknown>) {
  const ledger = await openLedger(join(group, 'ledger'));
  try {
    await ledger.append({ type, body });
  } finally {
    await ledger.close();
  }
}

describe('karnel member resume', () => {
  it("resumes a paused member with the owner's key; refuses another key, an unpaused or unknown member", async () => {
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

    const notPaused = await runKarnel(['member', 'resume', group, 'writer', '--key', owner]);
    expect(notPaused.code).toBe(1);
    expect(notPaused.stderr).toBe(
      'error: the member "writer" is not paused; there is nothing to resume\n',
    );
    const unknown = await runKarnel(['member', 'resume', group, 'ghost\u001b[31m', '--key', owner]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('the group has no member "ghost\\u001b[31m"');
    expect(unknown.stderr).not.toContain('\u001b');

    // What the circuit breaker writes, then a resume nobody signed: the member stays paused (so
    // the owner's resume below is accepted rather than refused as "not paused").
    await append(group, 'member.paused', {
      member: 'writer',
      why: '3 runs failed in a row (circuit breaker)',
      consecutiveFailures: 3,
    });
    await append(group, 'member.resumed', { member: 'writer', why: 'forged' });

    const refused = await runKarnel(['member', 'resume', group, 'writer', '--key', stranger]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not the group's owner");
    expect(
      (await runKarnel(['member', 'resume', group, 'writer'], { env: { KARNEL_KEY_FILE: '' } }))
        .code,
    ).toBe(2);

    const resumed = await runKarnel([
      'member',
      'resume',
      group,
      'writer',
      '--key',
      owner,
      '--reason',
      'tool fixed',
    ]);
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toMatch(
      new RegExp(`^resumed writer: member\\.resumed at ledger entry \\d+, signed by ${did}\\n$`),
    );
    const again = await runKarnel(['member', 'resume', group, 'writer', '--key', owner]);
    expect(again.stderr).toContain('is not paused');
    expect((await runKarnel(['ledger', 'verify', group])).code).toBe(0);
  });
});
