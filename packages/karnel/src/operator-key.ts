import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { escapeTerminalText, readPrivateKeyFile, type Signer } from '@karnel/core';
import { CommandError } from './command-error';
import { UsageError } from './usage-error';

/** Where a key file came from, for the messages of {@link requireOperatorKey}. */
export interface KeyFileSource {
  /**
   * The option that named the file (`--key`, `--owner-key`); absent when it is a positional
   * argument. A missing file named by an option is a usage mistake (exit 2), otherwise exit 1.
   */
  readonly option?: string;
}

/**
 * Reads the private key file `file` and returns its signer, or throws one clear error naming
 * the file: it does not exist (with how to create one), it is a folder, it cannot be read, or
 * it is not a usable Karnel key (wrong format, readable by others).
 */
export async function requireOperatorKey(
  file: string,
  { option }: KeyFileSource = {},
): Promise<Signer> {
  const shown = escapeTerminalText(file);
  const label = option ? `${option} ${shown}` : shown;
  let isFile: boolean;
  try {
    isFile = (await stat(resolve(file))).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const message = `${label}: no such key file; create one with "karnel keys generate ${shown}"`;
      throw option ? new UsageError(message) : new CommandError(message);
    }
    throw new CommandError(`${label}: cannot read the key file (${code ?? 'unknown error'})`);
  }
  if (!isFile) {
    const message = `${label}: is a folder, expected a private key file`;
    throw option ? new UsageError(message) : new CommandError(message);
  }
  try {
    return await readPrivateKeyFile(resolve(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string')
      throw new CommandError(`${label}: cannot read the key file (${code})`);
    const reason =
      error instanceof Error
        ? error.message.replace(/^Invalid argument path: /, '')
        : String(error);
    throw new CommandError(`${label}: ${escapeTerminalText(reason)}`);
  }
}
