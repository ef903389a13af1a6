import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { AdapterError } from './errors';

/**
 * Resolves a secret reference from machine-level configuration, never from the group directory:
 * `env:NAME` reads the environment variable `NAME`; `file:/absolute/path` reads the file (one
 * trailing newline dropped). Anything else is refused, so a secret pasted into a member file is
 * never used.
 *
 * @throws {AdapterError} `adapter/secret` when the reference is malformed or does not resolve.
 */
export async function resolveSecretReference(
  reference: string,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  const match = /^(env|file):(.+)$/.exec(reference);
  if (!match)
    throw new AdapterError({
      code: 'adapter/secret',
      message:
        'a key is given by reference ("env:NAME" or "file:/absolute/path"), never as the secret itself',
    });
  const [, scheme, target] = match as unknown as [string, 'env' | 'file', string];
  if (scheme === 'env') {
    const value = environment[target];
    if (!value)
      throw new AdapterError({
        code: 'adapter/secret',
        message: `the environment variable ${target} named by "${reference}" is not set`,
      });
    return value;
  }
  if (!isAbsolute(target))
    throw new AdapterError({
      code: 'adapter/secret',
      message: `"${reference}" must name an absolute path`,
    });
  try {
    const text = (await readFile(target, 'utf8')).replace(/\r?\n$/, '');
    if (text.length === 0) throw new Error('the file is empty');
    return text;
  } catch (error) {
    throw new AdapterError({
      code: 'adapter/secret',
      message: `the key file of "${reference}" cannot be read: ${(error as Error).message}`,
      cause: error,
    });
  }
}
