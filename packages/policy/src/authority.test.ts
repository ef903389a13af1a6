import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createManualClock,
  createSigner,
  generateKeyPair,
  InvalidArgumentError,
} from '@karnel/core';
import { type LedgerEntry, openLedger } from '@karnel/ledger';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuthority, type Grant, signGrant, verifyGrant } from './authority';
import { capabilityCovers } from './capability-covers';
import { createPolicy } from './policy-engine';
import { signPayload } from './signed-json';

const owner = createSigner(generateKeyPair().secretKey);
const delegate = createSigner(generateKeyPair().secretKey);
const worker = createSigner(generateKeyPair().secretKey);
const stranger = createSigner(generateKeyPair().secretKey);

const capabilities = [
  'fs.read',
  'fs.read:./workspace/**',
  'fs.read:./workspace/docs/**',
  'fs.write:/tmp/out/**',
  'net:*.example.com',
  'net:api.example.com',
  'net:*',
  'shell.exec:git',
  'shell.exec:git status',
  'spend:20.00',
  'spend:5.00',
  'secrets.read:OPENAI_*',
  'deploy:staging',
  '*',
];
const concrete = [
  'fs.read:workspace/docs/a.md',
  'fs.read:workspace/b.md',
  'fs.read:/etc/passwd',
  'fs.write:/tmp/out/x',
  'net:api.example.com',
  'net:evil.org',
  'shell.exec:git status',
  'shell.exec:git push',
  'spend:4.00',
  'spend:15',
  'secrets.read:OPENAI_API_KEY',
  'deploy:staging',
  'deploy:production',
];

function contextFor(grants: Grant[], clock = createManualClock('2026-05-03T10:00:00Z')) {
  const byId = new Map<string, Grant>(grants.map((grant) => [grant.id, grant]));
  return { owner: owner.did, lookup: (id: string) => byId.get(id), isRevoked: () => false, clock };
}

describe('signed grants and delegations', () => {
  it('never lets a delegation widen what it was given', () => {
    const clock = createManualClock('2026-05-03T10:00:00Z');
    fc.assert(
      fc.property(
        fc.subarray(capabilities, { minLength: 1 }),
        fc.subarray(capabilities, { minLength: 1 }),
        fc.constantFrom(...concrete),
        (parentCapabilities, childCapabilities, request) => {
          const root = signGrant({
            issuer: owner,
            subject: delegate.did,
            capabilities: parentCapabilities,
            mayDelegate: true,
            clock,
          });
          let child: Grant;
          try {
            child = signGrant({
              issuer: delegate,
              subject: worker.did,
              capabilities: childCapabilities,
              parent: root,
              clock,
            });
          } catch (error) {
            expect(InvalidArgumentError.isInstance(error)).toBe(true);
            // Forge it anyway: sign the wider grant without the check. Verification must refuse it.
            const body = {
              type: 'karnel.grant.v1' as const,
              id: root.id.replace(/.$/, root.id.endsWith('0') ? '1' : '0') as Grant['id'],
              issuer: delegate.did,
              subject: worker.did,
              capabilities: childCapabilities,
              may_delegate: false,
              may_approve: false,
              parent: root.id,
              issued_at: root.issued_at,
            };
            const forged = { ...body, signature: signPayload(body, delegate) } as Grant;
            expect(verifyGrant(forged, contextFor([root, forged], clock)).valid).toBe(false);
            return;
          }
          expect(verifyGrant(child, contextFor([root, child], clock)).valid).toBe(true);
          const childPolicy = createPolicy({
            rules: child.capabilities.map((capability) => ({
              effect: 'allow' as const,
              capability,
            })),
          });
          const parentPolicy = createPolicy({
            rules: root.capabilities.map((capability) => ({
              effect: 'allow' as const,
              capability,
            })),
          });
          if (childPolicy.decide({ actor: 'w', capability: request }).effect === 'allow') {
            expect(parentPolicy.decide({ actor: 'w', capability: request }).effect).toBe('allow');
          }
          for (const held of child.capabilities)
            expect(root.capabilities.some((p) => capabilityCovers(p, held))).toBe(true);
        },
      ),
    );
  });

  it('refuses tampered grants, strangers as issuers, expired grants and rights the parent lacks', () => {
    const clock = createManualClock('2026-05-03T10:00:00Z');
    const root = signGrant({
      issuer: owner,
      subject: delegate.did,
      capabilities: ['net:*'],
      mayDelegate: true,
      expiresAt: new Date('2026-05-04T00:00:00Z'),
      clock,
    });
    expect(verifyGrant(root, contextFor([root], clock))).toMatchObject({
      valid: true,
      chain: [root],
    });
    const tampered = { ...root, capabilities: ['*'] };
    expect(verifyGrant(tampered, contextFor([tampered], clock))).toMatchObject({
      valid: false,
      reason: expect.stringContaining('signature'),
    });
    const rogue = signGrant({
      issuer: stranger,
      subject: stranger.did,
      capabilities: ['*'],
      clock,
    });
    expect(verifyGrant(rogue, contextFor([rogue], clock))).toMatchObject({
      valid: false,
      reason: expect.stringContaining('not the owner'),
    });
    expect(() =>
      signGrant({
        issuer: delegate,
        subject: worker.did,
        capabilities: ['net:a.com'],
        parent: root,
        mayApprove: true,
        expiresAt: new Date('2026-05-03T12:00:00Z'),
        clock,
      }),
    ).toThrow(/approving/);
    expect(() =>
      signGrant({
        issuer: delegate,
        subject: worker.did,
        capabilities: ['net:a.com'],
        parent: root,
        clock,
      }),
    ).toThrow(/expire/);
    expect(() =>
      signGrant({
        issuer: worker,
        subject: worker.did,
        capabilities: ['net:a.com'],
        parent: root,
        expiresAt: new Date('2026-05-03T12:00:00Z'),
        clock,
      }),
    ).toThrow(/not the subject/);
    const child = signGrant({
      issuer: delegate,
      subject: worker.did,
      capabilities: ['net:a.com'],
      parent: root,
      expiresAt: new Date('2026-05-03T12:00:00Z'),
      clock,
    });
    expect(verifyGrant(child, contextFor([root, child], clock)).valid).toBe(true);
    clock.set('2026-05-03T12:00:00Z');
    expect(verifyGrant(child, contextFor([root, child], clock))).toMatchObject({
      valid: false,
      reason: expect.stringContaining('expired'),
    });
  });
});

describe('createAuthority', () => {
  it('stores grants, authorises approvers through delegations, and revokes whole chains', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const clock = createManualClock('2026-05-03T10:00:00Z');
    const ledger = await openLedger(join(dir, 'ledger'), { clock });
    const authority = createAuthority({ dir, owner: owner.did, clock, ledger });
    const root = await authority.issue({
      issuer: owner,
      subject: delegate.did,
      capabilities: ['publish', 'net:*'],
      mayDelegate: true,
      mayApprove: true,
    });
    const child = await authority.issue({
      issuer: delegate,
      subject: worker.did,
      capabilities: ['net:api.example.com'],
      parent: root.id,
    });
    await expect(
      authority.issue({ issuer: stranger, subject: stranger.did, capabilities: ['*'] }),
    ).rejects.toThrow(/only the owner/);
    expect(await authority.authorizeApprover(owner.did, 'deploy')).toEqual({
      ok: true,
      via: 'owner',
    });
    expect(await authority.authorizeApprover(delegate.did, 'publish:blog')).toMatchObject({
      ok: true,
      via: { id: root.id },
    });
    expect((await authority.authorizeApprover(delegate.did, 'deploy')).ok).toBe(false);
    expect((await authority.authorizeApprover(worker.did, 'net:api.example.com')).ok).toBe(false);

    const policy = createPolicy({ rules: await authority.rules() });
    expect(policy.decide({ actor: worker.did, capability: 'net:api.example.com' }).effect).toBe(
      'allow',
    );
    expect(policy.decide({ actor: worker.did, capability: 'net:evil.org' }).effect).toBe('deny');

    await expect(authority.revoke(root.id, worker, 'no')).rejects.toThrow(/may not revoke/);
    await authority.revoke(root.id, owner, 'rotated');
    const listed = await authority.list();
    expect(listed.find((item) => item.grant.id === child.id)?.verification).toMatchObject({
      valid: false,
      reason: expect.stringContaining('revoked'),
    });
    expect((await authority.authorizeApprover(delegate.did, 'publish:blog')).ok).toBe(false);
    expect(await authority.rules()).toEqual([]);
    const entries: LedgerEntry[] = [];
    for await (const entry of ledger.entries()) entries.push(entry);
    expect(entries.map((entry) => [entry.type, entry.signer])).toEqual([
      ['grant.issued', owner.did],
      ['grant.issued', delegate.did],
      ['grant.revoked', owner.did],
    ]);
    expect((await ledger.verify()).ok).toBe(true);
    await ledger.close();

    // A grant file edited on disk stops verifying.
    const file = join(dir, 'grants', `${child.id}.json`);
    const edited = JSON.parse(await readFile(file, 'utf8'));
    edited.capabilities = ['*'];
    await writeFile(file, JSON.stringify(edited));
    expect(
      (await authority.list()).find((item) => item.grant.id === child.id)?.verification.valid,
    ).toBe(false);
  });
});
