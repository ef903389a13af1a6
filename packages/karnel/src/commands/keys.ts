import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  escapeTerminalText,
  generateKeyPair,
  publicKeyToDid,
  toBase64Url,
  writePrivateKeyFile,
} from '@karnel/core';
import { CommandError } from '../command-error';
import { formatOption } from '../format-option';
import { requireOperatorKey } from '../operator-key';
import { escapeJsonForTerminal } from '../output';
import { requireWritableFile } from '../output-file';
import type { RegisterCommand } from './index';

/** Registers `karnel keys …`: generate and show ed25519 identities. */
export const registerKeysCommand: RegisterCommand = (program, context) => {
  const keys = program
    .command('keys')
    .description(
      'Manage ed25519 identities (owner and worker keys) that sign ledger entries, checkpoints, grants and approvals.',
    );

  keys
    .command('generate')
    .description(
      'Generate a new key pair; the private key file is written with mode 0600. Prints the identity.',
    )
    .argument('<file>', 'where to write the private key file')
    .option('--force', 'replace an existing file (the old key is lost)')
    .addOption(formatOption(['text', 'json'], 'output format: text (the did) or json'))
    .action(async (file: string, options: { force?: boolean; format: 'text' | 'json' }) => {
      const pair = generateKeyPair();
      await requireWritableFile(file, 'key file');
      const existing = await stat(resolve(file)).catch(() => undefined);
      if (existing && options.force !== true) {
        throw new CommandError(
          `${escapeTerminalText(file)}: already exists; pass --force to replace it (the old key is lost)`,
        );
      }
      await writePrivateKeyFile(resolve(file), pair, { overwrite: options.force === true });
      const did = publicKeyToDid(pair.publicKey);
      context.output.out(
        options.format === 'json'
          ? escapeJsonForTerminal(
              JSON.stringify({ did, publicKey: toBase64Url(pair.publicKey), file }),
            )
          : did,
      );
    });

  keys
    .command('show')
    .description('Print the identity (did:key) of a private key file, never the secret.')
    .argument('<file>', 'the private key file')
    .action(async (file: string) => {
      const signer = await requireOperatorKey(file);
      context.output.out(signer.did);
    });
};
