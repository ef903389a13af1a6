import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSigner,
  fromBase64Url,
  generateKeyPair,
  keyPairFromSecretKey,
  parsePublicKey,
  publicKeyToDid,
  toBase64Url,
  verifySignature,
} from './ed25519';
import { fromHex, toHex } from './hash';

// RFC 8032 section 7.1, tests 1-3.
const vectors = [
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

describe('ed25519', () => {
  it.each(vectors)('matches the RFC 8032 vector for message "$message"', (vector) => {
    const signer = createSigner(fromHex(vector.secret)!);
    expect(toHex(signer.publicKey)).toBe(vector.public);
    const signature = signer.sign(fromHex(vector.message)!);
    expect(toHex(signature)).toBe(vector.signature);
    expect(verifySignature(signature, fromHex(vector.message)!, signer.publicKey)).toBe(true);
  });

  it('rejects any flipped bit of signature, message or key', () => {
    const pair = generateKeyPair();
    const signer = createSigner(pair.secretKey);
    const message = new TextEncoder().encode('approve apr_01 for 25.00 USD');
    const signature = signer.sign(message);
    fc.assert(
      fc.property(
        fc.constantFrom('signature', 'message', 'key'),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (part, index, bit) => {
          const target =
            part === 'signature' ? signature : part === 'message' ? message : pair.publicKey;
          const copy = new Uint8Array(target);
          copy[index % copy.length]! ^= 1 << bit;
          const args =
            part === 'signature'
              ? ([copy, message, pair.publicKey] as const)
              : part === 'message'
                ? ([signature, copy, pair.publicKey] as const)
                : ([signature, message, copy] as const);
          return verifySignature(...args) === false;
        },
      ),
    );
  });

  it('rejects a non-canonical S (strict RFC 8032, not ZIP-215)', () => {
    const vector = vectors[0]!;
    const signature = fromHex(vector.signature)!;
    // S + L (the group order) is the same scalar mod L; strict verification must refuse it.
    const order = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let index = 31; index >= 0; index--) s = (s << 8n) | BigInt(signature[32 + index]!);
    let malleated = s + order;
    const forged = new Uint8Array(signature);
    for (let index = 0; index < 32; index++) {
      forged[32 + index] = Number(malleated & 0xffn);
      malleated >>= 8n;
    }
    expect(verifySignature(forged, new Uint8Array(), fromHex(vector.public)!)).toBe(false);
  });

  it('encodes and parses did:key and ed25519: identities', () => {
    const pair = keyPairFromSecretKey(fromHex(vectors[0]!.secret)!);
    const did = publicKeyToDid(pair.publicKey);
    expect(did).toMatch(/^did:key:z6Mk/);
    expect(parsePublicKey(did)).toEqual(pair.publicKey);
    expect(parsePublicKey(`ed25519:${toBase64Url(pair.publicKey)}`)).toEqual(pair.publicKey);
    expect(parsePublicKey(`ed25519:${toHex(pair.publicKey)}`)).toEqual(pair.publicKey);
    expect(
      parsePublicKey('did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'),
    ).toBeUndefined(); // secp256k1
    expect(parsePublicKey('did:web:example.com')).toBeUndefined();
    expect(parsePublicKey('ed25519:short')).toBeUndefined();
    expect(fromBase64Url('!!')).toBeUndefined();
  });

  it('returns false for malformed lengths instead of throwing', () => {
    expect(verifySignature(new Uint8Array(3), new Uint8Array(), new Uint8Array(32))).toBe(false);
    expect(verifySignature(new Uint8Array(64), new Uint8Array(), new Uint8Array(31))).toBe(false);
  });
});
