import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, publicKeyToDid, verifySignature } from './ed25519';
import { InvalidArgumentError } from './errors';
import { readPrivateKeyFile, writePrivateKeyFile } from './key-file';

describe('private key files', () => {
  it('round-trips a key with mode 0600 and signs with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const path = join(dir, 'owner.key');
    const pair = generateKeyPair();
    await writePrivateKeyFile(path, pair);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const signer = await readPrivateKeyFile(path);
    expect(signer.did).toBe(publicKeyToDid(pair.publicKey));
    const message = new TextEncoder().encode('hello');
    expect(verifySignature(signer.sign(message), message, pair.publicKey)).toBe(true);
  });

  it('refuses to overwrite, to read world-readable keys and to read foreign files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const path = join(dir, 'owner.key');
    await writePrivateKeyFile(path, generateKeyPair());
    await expect(writePrivateKeyFile(path, generateKeyPair())).rejects.toThrow(
      InvalidArgumentError,
    );
    await chmod(path, 0o644);
    await expect(readPrivateKeyFile(path)).rejects.toThrow(/chmod 600/);
    const other = join(dir, 'other.key');
    await writeFile(other, '{"type":"something-else"}', { mode: 0o600 });
    await expect(readPrivateKeyFile(other)).rejects.toThrow(/not a Karnel ed25519 private key/);
  });

  it('detects a public key that does not match the secret key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const path = join(dir, 'owner.key');
    await writePrivateKeyFile(path, generateKeyPair());
    const file = JSON.parse(await readFile(path, 'utf8'));
    const otherPath = join(dir, 'other.key');
    await writePrivateKeyFile(otherPath, generateKeyPair());
    file.publicKey = JSON.parse(await readFile(otherPath, 'utf8')).publicKey;
    await writeFile(path, JSON.stringify(file), { mode: 0o600 });
    await expect(readPrivateKeyFile(path)).rejects.toThrow(/does not match/);
  });
});
