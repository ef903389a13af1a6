import { resolve } from 'node:path';
import {
  generateKeyPair,
  publicKeyToDid,
  readPrivateKeyFile,
  toBase64Url,
  writePrivateKeyFile,
} from '@karnel/core';
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
    .option('-f, --format <format>', 'output format: text (the did) or json', 'text')
    .action(async (file: string, options: { force?: boolean; format?: string }) => {
      const pair = generateKeyPair();
      await writePrivateKeyFile(resolve(file), pair, { overwrite: options.force === true });
      const did = publicKeyToDid(pair.publicKey);
      context.output.out(
        options.format === 'json'
          ? JSON.stringify({ did, publicKey: toBase64Url(pair.publicKey), file })
          : did,
      );
    });

  keys
    .command('show')
    .description('Print the identity (did:key) of a private key file, never the secret.')
    .argument('<file>', 'the private key file')
    .action(async (file: string) => {
      const signer = await readPrivateKeyFile(resolve(file));
      context.output.out(signer.did);
    });
};
