import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner, generateKeyPair, publicKeyToDid, verifySignature } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createCheckpoint,
  merkleRoot,
  openLedger,
  parseCheckpoint,
  verifyCheckpointSignatures,
  verifyConsistency,
  verifyInclusion,
  verifyLedger,
} from '../index';

const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

// RFC 8032 section 7.1, tests 1 to 3.
const rfc8032 = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('ed25519 (the signatures entries and checkpoints carry)', () => {
  it('passes the RFC 8032 test vectors 1-3, and rejects them mutated', () => {
    for (const vector of rfc8032) {
      const signer = createSigner(fromHex(vector.secret));
      expect(Buffer.from(signer.publicKey).toString('hex')).toBe(vector.public);
      const signature = signer.sign(fromHex(vector.message));
      expect(Buffer.from(signature).toString('hex')).toBe(vector.signature);
      expect(verifySignature(signature, fromHex(vector.message), signer.publicKey)).toBe(true);
      for (const position of [0, 31, 32, 63]) {
        const mutated = new Uint8Array(signature);
        mutated[position] = mutated[position]! ^ 0x01;
        expect(verifySignature(mutated, fromHex(vector.message), signer.publicKey)).toBe(false);
      }
      expect(verifySignature(signature, fromHex(`${vector.message}00`), signer.publicKey)).toBe(
        false,
      );
    }
  });

  it('verifies strictly: a non-canonical S (S + L) and a small-order key are refused', () => {
    const vector = rfc8032[0]!;
    const signature = fromHex(vector.signature);
    const order = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let index = 63; index >= 32; index--) s = (s << 8n) | BigInt(signature[index]!);
    const bigger = s + order;
    const mutated = new Uint8Array(signature);
    for (let index = 32; index < 64; index++)
      mutated[index] = Number((bigger >> BigInt(8 * (index - 32))) & 0xffn);
    expect(bigger < 1n << 256n).toBe(true);
    expect(verifySignature(mutated, fromHex(vector.message), fromHex(vector.public))).toBe(false);
    // The identity point as public key, R = identity and S = 0: accepted by a cofactorless
    // check that allows small-order keys, refused by strict verification.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const forged = new Uint8Array(64);
    forged[0] = 1;
    expect(verifySignature(forged, new Uint8Array([1, 2, 3]), identity)).toBe(false);
  });
});

describe('checkpoint notes', () => {
  const owner = createSigner(fromHex(rfc8032[0]!.secret));
  const witness = createSigner(fromHex(rfc8032[1]!.secret));
  const root = 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7';

  it('are C2SP tlog-checkpoint notes that round-trip and verify', () => {
    const checkpoint = createCheckpoint({ origin: 'karnel.ledger/test', size: 4, root }, [
      owner,
      witness,
    ]);
    const lines = checkpoint.text.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'karnel.ledger/test',
      '4',
      Buffer.from(root, 'hex').toString('base64'),
      '',
    ]);
    expect(lines[4]).toMatch(new RegExp(`^\u2014 ${owner.did} [A-Za-z0-9+/]+=*$`));
    expect(Buffer.from(lines[4]!.split(' ')[2]!, 'base64')).toHaveLength(68);
    const parsed = parseCheckpoint(checkpoint.text);
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.checkpoint).toEqual(checkpoint);
    expect(verifyCheckpointSignatures(parsed.checkpoint!)).toMatchObject({
      ok: true,
      validSigners: [owner.did, witness.did],
    });
    expect(
      verifyCheckpointSignatures(parsed.checkpoint!, { trustedKeys: [witness.did] }).trustedSigners,
    ).toEqual([witness.did]);
  });

  it('do not verify once any part of the body changes, or with only untrusted signers', () => {
    const checkpoint = createCheckpoint({ origin: 'karnel.ledger/test', size: 4, root }, [owner]);
    const stranger = createSigner(generateKeyPair().secretKey);
    expect(verifyCheckpointSignatures(checkpoint, { trustedKeys: [stranger.did] }).ok).toBe(false);
    for (const edited of [
      checkpoint.text.replace('\n4\n', '\n5\n'),
      checkpoint.text.replace('karnel.ledger/test', 'karnel.ledger/tesT'),
      checkpoint.text.replace(
        Buffer.from(root, 'hex').toString('base64'),
        Buffer.alloc(32).toString('base64'),
      ),
    ]) {
      const parsed = parseCheckpoint(edited);
      expect(parsed.checkpoint).toBeDefined();
      expect(verifyCheckpointSignatures(parsed.checkpoint!).ok).toBe(false);
    }
    // A signature line naming another key with the same signature bytes does not count.
    const renamed = checkpoint.text.replace(owner.did, publicKeyToDid(stranger.publicKey));
    expect(verifyCheckpointSignatures(parseCheckpoint(renamed).checkpoint!).ok).toBe(false);
  });

  it('report malformed notes at their line', () => {
    expect(parseCheckpoint('origin\nx\nroot\n\n— a b\n', 'cp.txt').diagnostics[0]).toMatchObject({
      file: 'cp.txt',
      line: 2,
    });
    expect(parseCheckpoint('origin\n4\n', 'cp.txt').diagnostics[0]).toMatchObject({
      code: 'checkpoint/malformed',
    });
  });
});

describe('ledger checkpoints and proofs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'karnel-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prove inclusion and consistency against signed checkpoints, and detect truncation', async () => {
    const owner = createSigner(generateKeyPair().secretKey);
    const ledger = await openLedger(dir, { signer: owner });
    const hashes: string[] = [];
    for (let index = 0; index < 13; index++)
      hashes.push((await ledger.append({ type: 'test.entry', body: { index } })).hash);
    const early = await ledger.checkpoint(owner);
    expect(early.size).toBe(13);
    for (let index = 13; index < 21; index++)
      hashes.push((await ledger.append({ type: 'test.entry', body: { index } })).hash);
    const late = await ledger.checkpoint(owner);
    expect(late.root).toBe(
      Buffer.from(
        merkleRoot(hashes.map((hash) => new Uint8Array(Buffer.from(hash, 'hex')))),
      ).toString('hex'),
    );
    expect(late.origin).toBe(`karnel.ledger/${hashes[0]!.slice(0, 32)}`);

    for (const seq of [0, 7, 12]) {
      const proof = await ledger.proveInclusion(seq, early.size);
      expect(proof.root).toBe(early.root);
      expect(
        verifyInclusion(
          fromHex(proof.hash),
          seq,
          proof.size,
          proof.path.map(fromHex),
          fromHex(early.root),
        ),
      ).toBe(true);
    }
    const consistency = await ledger.proveConsistency(early.size);
    expect(consistency).toMatchObject({ oldRoot: early.root, newRoot: late.root, newSize: 21 });
    expect(
      verifyConsistency(
        13,
        21,
        consistency.path.map(fromHex),
        fromHex(early.root),
        fromHex(late.root),
      ),
    ).toBe(true);
    await ledger.close();

    expect(await verifyLedger(dir, { checkpoint: late, trustedKeys: [owner.did] })).toMatchObject({
      ok: true,
    });
    // Removing the last entries cannot be seen in the chain alone, but the checkpoint shows it.
    const chainPath = join(dir, 'chain.jsonl');
    const chain = await readFile(chainPath, 'utf8');
    const keep = chain.split('\n').slice(0, 18).join('\n').length + 1;
    await truncate(chainPath, keep);
    expect((await verifyLedger(dir)).ok).toBe(true);
    const report = await verifyLedger(dir, { checkpoint: late });
    expect(report.firstBad).toMatchObject({ seq: 18, code: 'ledger/truncated', line: 19 });
    expect((await verifyLedger(dir, { checkpoint: early })).ok).toBe(true);
  });

  it('detect a rewritten history that still forms a valid chain', async () => {
    const owner = createSigner(generateKeyPair().secretKey);
    const ledger = await openLedger(dir);
    for (let index = 0; index < 5; index++)
      await ledger.append({ type: 'test.entry', body: { index } });
    const checkpoint = await ledger.checkpoint(owner);
    await ledger.close();
    // Rebuild the whole chain with a different first entry: every link is valid again.
    await rm(dir, { recursive: true, force: true });
    const rewritten = await openLedger(dir);
    for (let index = 0; index < 5; index++)
      await rewritten.append({ type: 'test.entry', body: { index: index === 0 ? 99 : index } });
    await rewritten.close();
    expect((await verifyLedger(dir)).ok).toBe(true);
    const report = await verifyLedger(dir, { checkpoint });
    expect(report.firstBad?.code).toBe('ledger/checkpoint-mismatch');
  });
});
