import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  COGNITIVE_TIERS,
  type CognitiveTier,
  escapeTerminalText,
  generateKeyPair,
  InvalidArgumentError,
  type KeyPair,
  parsePublicKey,
  publicKeyToDid,
  writePrivateKeyFile,
} from '@karnel/core';
import {
  type CreatedDirectory,
  createAgentDirectory,
  createGroupDirectory,
  DirectoryExistsError,
  hasNoControlCharacters,
  isContact,
} from '@karnel/manifest';
import { type Command, Option } from 'commander';
import { CommandError } from '../command-error';
import { requireOperatorKey } from '../operator-key';
import type { CliContext } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

interface InitOptions {
  name?: string;
  owner?: string;
  ownerKey?: string;
  modelClass?: CognitiveTier;
  contact?: string;
}

/** Registers `karnel init agent <dir>` and `karnel init group <dir>`. */
export const registerInitCommand: RegisterCommand = (program, context) => {
  const init = program
    .command('init')
    .description(
      'Create a new, valid agent or group directory with fresh ids. Never overwrites: the directory must not exist or be empty.',
    );
  const common = (command: Command) =>
    command
      .option('--name <name>', 'display name (default: the directory name)')
      .option('--owner <identity>', 'owner identity: did:key:z6Mk… or ed25519:<base64url>')
      .option('--owner-key <file>', 'take the owner identity from this private key file')
      .addHelpText(
        'after',
        '\nWithout --owner or --owner-key, a new owner key pair is generated and its private key written (mode 0600) to\n$KARNEL_HOME/keys/ (default ~/.karnel/keys/), never into the new directory.\n',
      );
  common(
    init
      .command('agent')
      .description('Create an agent directory: manifest.yaml, memory/, skills/, ledger/.')
      .argument('<dir>', 'the directory to create')
      .addOption(
        new Option('--model-class <tier>', 'cognitive tier')
          .choices(COGNITIVE_TIERS)
          .default('fast-general'),
      ),
  ).action(async (dir: string, options: InitOptions) => {
    await runInit('agent', dir, options, context);
  });
  common(
    init
      .command('group')
      .description(
        'Create a group directory: manifest.yaml with you as the human owner, members/, memory/, goals/current.yaml, ledger/, and treasury/balances.yaml with a zero budget.',
      )
      .argument('<dir>', 'the directory to create')
      .option(
        '--contact <address>',
        'how to reach you for escalations: an e-mail address, an https:/http:/mailto: URL, or an @handle',
      ),
  ).action(async (dir: string, options: InitOptions) => {
    await runInit('group', dir, options, context);
  });
};

async function runInit(
  kind: 'agent' | 'group',
  dir: string,
  options: InitOptions,
  context: CliContext,
): Promise<void> {
  const target = resolve(dir);
  const shown = escapeTerminalText(dir);
  const name = options.name ?? basename(target);
  if (name.trim() === '' || name.length > 128)
    throw new UsageError('--name must be 1 to 128 characters');
  if (!hasNoControlCharacters(name))
    throw new UsageError('--name must not contain control characters');
  if (options.owner !== undefined && options.ownerKey !== undefined)
    throw new UsageError('give --owner or --owner-key, not both');
  if (options.owner !== undefined && !parsePublicKey(options.owner)) {
    throw new UsageError(
      `--owner "${escapeTerminalText(options.owner)}" is not an ed25519 did:key (did:key:z6Mk…) or public key (ed25519:<base64url>)`,
    );
  }
  if (options.contact !== undefined && !isContact(options.contact)) {
    throw new UsageError(
      `--contact "${escapeTerminalText(options.contact)}" is not an e-mail address (you@example.com), an https:, http: or mailto: URL, or an @handle (@you)`,
    );
  }
  // A new owner key is written only once the directory exists, so a refused init leaves nothing.
  let owner = options.owner;
  if (options.ownerKey !== undefined)
    owner = (await requireOperatorKey(options.ownerKey, { option: '--owner-key' })).did;
  let newKeyPair: KeyPair | undefined;
  if (owner === undefined) {
    newKeyPair = generateKeyPair();
    owner = publicKeyToDid(newKeyPair.publicKey);
  }
  let created: CreatedDirectory;
  try {
    created =
      kind === 'agent'
        ? await createAgentDirectory(target, {
            owner,
            name,
            modelClass: options.modelClass ?? 'fast-general',
          })
        : await createGroupDirectory(target, {
            owner,
            name,
            ...(options.contact !== undefined ? { contact: options.contact } : {}),
          });
  } catch (error) {
    if (DirectoryExistsError.isInstance(error))
      throw new CommandError(`${shown}: ${error.reason}; karnel init never overwrites`);
    if (InvalidArgumentError.isInstance(error)) throw new UsageError(error.message);
    throw error;
  }
  let newKeyPath: string | undefined;
  if (newKeyPair) {
    const keys = join(process.env.KARNEL_HOME ?? join(homedir(), '.karnel'), 'keys');
    newKeyPath = join(keys, `${owner.slice('did:key:'.length)}.key`);
    try {
      await mkdir(keys, { recursive: true, mode: 0o700 });
      await writePrivateKeyFile(newKeyPath, newKeyPair);
    } catch (error) {
      // A directory whose owner key is lost could never be governed: take it back.
      await rm(created.dir, { recursive: true, force: true });
      throw error;
    }
  }
  context.output.out(`created ${kind} ${shown} (${created.id})`);
  if (newKeyPath) {
    context.output.err(
      `generated a new owner key: ${escapeTerminalText(newKeyPath)}\nkeep it safe: it is the only proof that you own ${owner}`,
    );
  }
}
