import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write';
import {
  createSigner,
  fromBase64Url,
  type KeyPair,
  keyPairFromSecretKey,
  publicKeyToDid,
  type Signer,
  toBase64Url,
} from './ed25519';
import { InvalidArgumentError } from './errors';

/** The JSON shape of a Karnel private key file. */
export interface PrivateKeyFile {
  /** Always `karnel-ed25519-private-key`. */
  readonly type: 'karnel-ed25519-private-key';
  /** The identity, for people reading the file. */
  readonly did: string;
  /** The public key, base64url. */
  readonly publicKey: string;
  /** The 32-byte secret seed, base64url. */
  readonly secretKey: string;
}

/**
 * Writes `keyPair` to `path` as a private key file with mode 0600, atomically. Refuses to
 * replace an existing file unless `overwrite` is set: losing an owner key loses authority.
 */
export async function writePrivateKeyFile(
  path: string,
  keyPair: KeyPair,
  { overwrite = false }: { overwrite?: boolean } = {},
): Promise<void> {
  if (!overwrite) {
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new InvalidArgumentError({
        argument: 'path',
        value: path,
        message: 'a file already exists there',
      });
    }
  }
  const file: PrivateKeyFile = {
    type: 'karnel-ed25519-private-key',
    did: publicKeyToDid(keyPair.publicKey),
    publicKey: toBase64Url(keyPair.publicKey),
    secretKey: toBase64Url(keyPair.secretKey),
  };
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Reads a private key file written by {@link writePrivateKeyFile} and returns its signer.
 *
 * @throws {InvalidArgumentError} when the file is not a Karnel private key, its public key does
 * not match its secret key, or it is readable by group or others (like OpenSSH, a key anyone
 * can read is not trusted).
 */
export async function readPrivateKeyFile(path: string): Promise<Signer> {
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) {
    throw new InvalidArgumentError({
      argument: 'path',
      value: path,
      message: `private key file has mode ${(info.mode & 0o777).toString(8)}; run chmod 600 on it`,
    });
  }
  let parsed: Partial<PrivateKeyFile>;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<PrivateKeyFile>;
  } catch {
    throw new InvalidArgumentError({
      argument: 'path',
      value: path,
      message: 'not a JSON key file',
    });
  }
  const secretKey =
    typeof parsed.secretKey === 'string' ? fromBase64Url(parsed.secretKey) : undefined;
  if (parsed.type !== 'karnel-ed25519-private-key' || !secretKey || secretKey.length !== 32) {
    throw new InvalidArgumentError({
      argument: 'path',
      value: path,
      message: 'not a Karnel ed25519 private key file',
    });
  }
  const pair = keyPairFromSecretKey(secretKey);
  if (parsed.publicKey !== undefined && parsed.publicKey !== toBase64Url(pair.publicKey)) {
    throw new InvalidArgumentError({
      argument: 'path',
      value: path,
      message: 'public key does not match the secret key',
    });
  }
  return createSigner(secretKey);
}
