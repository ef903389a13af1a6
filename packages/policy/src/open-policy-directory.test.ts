import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, createSigner, generateKeyPair } from '@karnel/core';
import { type Ledger, openLedger } from '@karnel/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyDirectoryError, PolicyOwnerError } from './errors';
import { openPolicyDirectory } from './open-policy-directory';
import { signOwnerRotation } from './owner-anchor';

const owner = createSigner(generateKeyPair().secretKey);
const successor = createSigner(generateKeyPair().secretKey);
const attacker = createSigner(generateKeyPair().secretKey);

let root: string;
let dir: string;
let ledger: Ledger;
const clock = createManualClock('2026-05-03T10:00:00Z');

function manifest(ownerDid: string): string {
  return [
    'karnel_spec_version: "0.2"',
    'agent:',
    '  id: "agt_01H8ZQK0V8Q5T2N7R4M6W9YB1C"',
    '  name: "writer"',
    '  created_at: "2026-05-03T10:00:00Z"',
    `  owner: "${ownerDid}"`,
    '  agent_kind: "karnel-native"',
    'purpose: "Writes the newsletter."',
    '',
  ].join('\n');
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'karnel-policy-dir-'));
  dir = join(root, 'writer');
  await mkdir(dir);
  await writeFile(join(dir, 'manifest.yaml'), manifest(owner.did));
  ledger = await openLedger(join(dir, 'ledger'), { clock });
});

afterEach(async () => {
  await ledger.close();
  await rm(root, { recursive: true, force: true });
});

async function types(): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of ledger.entries()) found.push(entry.type);
  return found;
}

describe('openPolicyDirectory', () => {
  it('opens the owner, the approval time to live and safe mode of an agent directory', async () => {
    await writeFile(
      join(dir, 'policy.yaml'),
      'karnel_policy_version: "0.1"\nrules:\n  - effect: needs-approval\n    capability: publish\napprovals:\n  ttl: 2h\n',
    );
    const policy = await openPolicyDirectory(dir, { ledger, clock, signer: owner });
    expect(policy).toMatchObject({ kind: 'agent', owner: owner.did, notices: [] });
    expect(policy.policyFile?.rules).toHaveLength(1);
    const request = await policy.approvals.request({
      actor: 'writer',
      capability: 'publish',
      action: { issue: 1 },
    });
    expect(Date.parse(request.expires_at) - clock.now().getTime()).toBe(2 * 60 * 60 * 1000);
    expect(await policy.safeMode.status()).toEqual({ active: false });
    expect(await types()).toEqual(['owner.pinned', 'approval.requested']);
    // Opening again does not pin twice.
    await openPolicyDirectory(dir, { ledger, clock });
    expect((await types()).filter((type) => type === 'owner.pinned')).toHaveLength(1);
  });

  it('with pinOwner false, uses the manifest owner without pinning it, and still refuses a swap', async () => {
    const reader = await openPolicyDirectory(dir, { ledger, clock, pinOwner: false });
    expect(reader.owner).toBe(owner.did);
    expect(await types()).toEqual([]);
    await openPolicyDirectory(dir, { ledger, clock });
    expect(await types()).toEqual(['owner.pinned']);
    await writeFile(join(dir, 'manifest.yaml'), manifest(attacker.did));
    await expect(openPolicyDirectory(dir, { ledger, clock, pinOwner: false })).rejects.toThrow(
      PolicyOwnerError,
    );
  });

  it('refuses a manifest whose owner was swapped after the ledger pinned one', async () => {
    await openPolicyDirectory(dir, { ledger, clock });
    await writeFile(join(dir, 'manifest.yaml'), manifest(attacker.did));
    const error = await openPolicyDirectory(dir, { ledger, clock }).catch((caught) => caught);
    expect(PolicyOwnerError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'owner/mismatch',
      pinned: owner.did,
      claimed: attacker.did,
    });
    // A rotation the attacker signs does not count, and is reported.
    await ledger.append({
      type: 'owner.rotated',
      body: { ...signOwnerRotation({ previous: attacker, owner: attacker.did, clock }) },
    });
    await expect(openPolicyDirectory(dir, { ledger, clock })).rejects.toSatisfy(
      PolicyOwnerError.isInstance,
    );
    // A rotation signed by the owner in force does.
    await ledger.append({
      type: 'owner.rotated',
      body: { ...signOwnerRotation({ previous: owner, owner: successor.did, clock }) },
    });
    await writeFile(join(dir, 'manifest.yaml'), manifest(successor.did));
    const rotated = await openPolicyDirectory(dir, { ledger, clock });
    expect(rotated.owner).toBe(successor.did);
    expect(rotated.notices).toEqual([expect.stringContaining('owner.rotated is not a rotation')]);
  });

  it('reports a missing directory, an invalid manifest and an invalid policy file with positions', async () => {
    const missing = await openPolicyDirectory(join(root, 'typo'), { ledger }).catch(
      (caught) => caught,
    );
    expect(PolicyDirectoryError.isInstance(missing)).toBe(true);
    expect(missing.code).toBe('policy/not-a-directory');

    await writeFile(join(dir, 'manifest.yaml'), manifest('not-a-key'));
    const badManifest = await openPolicyDirectory(dir, { ledger }).catch((caught) => caught);
    expect(badManifest.code).toBe('policy/manifest-invalid');
    expect(badManifest.diagnostics[0]).toMatchObject({
      file: join(dir, 'manifest.yaml'),
      line: 6,
    });

    await writeFile(join(dir, 'manifest.yaml'), manifest(owner.did));
    await writeFile(
      join(dir, 'policy.yaml'),
      'karnel_policy_version: "0.1"\napprovals:\n  ttl: soon\n',
    );
    const badPolicy = await openPolicyDirectory(dir, { ledger, displayPath: 'writer' }).catch(
      (caught) => caught,
    );
    expect(badPolicy.code).toBe('policy/policy-file-invalid');
    expect(badPolicy.message).toContain('writer/policy.yaml:3:');
    expect(await types()).toEqual([]);
  });
});
