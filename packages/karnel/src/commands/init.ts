import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  COGNITIVE_TIERS,
  type CognitiveTier,
  createId,
  generateKeyPair,
  parsePublicKey,
  publicKeyToDid,
  readPrivateKeyFile,
  writePrivateKeyFile,
} from '@karnel/core';
import { CURRENT_SPEC_VERSION } from '@karnel/manifest';
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes';
import type { CliContext } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

interface InitOptions {
  name?: string;
  owner?: string;
  ownerKey?: string;
  modelClass?: string;
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
      .option(
        '--model-class <tier>',
        `cognitive tier: ${COGNITIVE_TIERS.join(', ')}`,
        'fast-general',
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
      .option('--contact <address>', 'how to reach you for escalations (e-mail address or URL)'),
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
  const name = options.name ?? basename(target);
  if (name.trim() === '' || name.length > 128)
    throw new UsageError('--name must be 1 to 128 characters');
  const modelClass = (options.modelClass ?? 'fast-general') as CognitiveTier;
  if (!COGNITIVE_TIERS.includes(modelClass)) {
    throw new UsageError(
      `unknown --model-class "${options.modelClass}"; expected one of ${COGNITIVE_TIERS.join(', ')}`,
    );
  }
  if (options.owner !== undefined && options.ownerKey !== undefined)
    throw new UsageError('give --owner or --owner-key, not both');
  if (options.owner !== undefined && !parsePublicKey(options.owner)) {
    throw new UsageError(
      `--owner "${options.owner}" is not an ed25519 did:key (did:key:z6Mk…) or public key (ed25519:<base64url>)`,
    );
  }
  const problem = await refuseExisting(target);
  if (problem) {
    context.output.err(`error: ${dir}: ${problem}; karnel init never overwrites`);
    context.setExitCode(ExitCode.failure);
    return;
  }
  let owner = options.owner;
  let newKeyPath: string | undefined;
  if (options.ownerKey !== undefined)
    owner = (await readPrivateKeyFile(resolve(options.ownerKey))).did;
  if (owner === undefined) {
    const keyPair = generateKeyPair();
    owner = publicKeyToDid(keyPair.publicKey);
    const keys = join(process.env.KARNEL_HOME ?? join(homedir(), '.karnel'), 'keys');
    await mkdir(keys, { recursive: true, mode: 0o700 });
    newKeyPath = join(keys, `${owner.slice('did:key:'.length)}.key`);
    await writePrivateKeyFile(newKeyPath, keyPair);
  }
  const files =
    kind === 'agent'
      ? agentFiles({ name, owner, modelClass })
      : groupFiles({ name, owner, contact: options.contact });
  await writeDirectoryAtomically(target, files);
  context.output.out(`created ${kind} ${dir} (${files.id})`);
  if (newKeyPath) {
    context.output.err(
      `generated a new owner key: ${newKeyPath}\nkeep it safe: it is the only proof that you own ${owner}`,
    );
  }
}

/** Why `target` cannot be created, or `undefined` when it does not exist or is an empty directory. */
async function refuseExisting(target: string): Promise<string | undefined> {
  try {
    const info = await stat(target);
    if (!info.isDirectory()) return 'a file with this name exists';
    if ((await readdir(target)).length > 0) return 'the directory exists and is not empty';
    return undefined;
  } catch {
    return undefined;
  }
}

interface DirectoryFiles {
  /** The id of the new agent or group. */
  readonly id: string;
  /** Relative path → content. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * Builds the whole directory next to its destination and renames it into place, so an
 * interrupted init leaves either nothing or a complete directory.
 */
async function writeDirectoryAtomically(target: string, { files }: DirectoryFiles): Promise<void> {
  const staging = join(
    dirname(target),
    `.${basename(target)}.init-${randomBytes(6).toString('hex')}`,
  );
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), content);
    }
    // rename(2) replaces an empty directory and fails on a non-empty one: no overwrite.
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function agentFiles({
  name,
  owner,
  modelClass,
}: {
  name: string;
  owner: string;
  modelClass: CognitiveTier;
}): DirectoryFiles {
  const id = createId('agt');
  const manifest = `# yaml-language-server: $schema=https://raw.githubusercontent.com/karnel-dev/karnel/main/spec/schemas/agent-manifest.schema.json
karnel_spec_version: "${CURRENT_SPEC_VERSION}"

agent:
  id: "${id}"
  name: ${JSON.stringify(name)}
  created_at: "${now()}"
  owner: "${owner}"
  agent_kind: "karnel-native"

purpose: |
  Describe in a few sentences what this agent is for.

capabilities_declared: []

constraints:
  hard: []
  soft: []

runtime_requirements:
  model_class: "${modelClass}"
  tools_required:
    - "memory_access"
    - "ledger_write"

components:
  memory: "./memory"
  skills: "./skills"
  ledger: "./ledger"
`;
  return {
    id,
    files: {
      'manifest.yaml': manifest,
      'memory/.gitkeep': '',
      'skills/.gitkeep': '',
      'ledger/runs/.gitkeep': '',
      'ledger/decisions/.gitkeep': '',
    },
  };
}

function groupFiles({
  name,
  owner,
  contact,
}: {
  name: string;
  owner: string;
  contact?: string;
}): DirectoryFiles {
  const id = createId('grp');
  const human =
    contact === undefined
      ? `  # Add "contact:" and "escalation_only: true" once escalations should reach you.
  - role: "human_owner"
    agent_kind: "human"`
      : `  - role: "human_owner"
    agent_kind: "human"
    contact: ${JSON.stringify(contact)}
    escalation_only: true`;
  const manifest = `# yaml-language-server: $schema=https://raw.githubusercontent.com/karnel-dev/karnel/main/spec/schemas/group-manifest.schema.json
karnel_spec_version: "${CURRENT_SPEC_VERSION}"

group:
  id: "${id}"
  name: ${JSON.stringify(name)}
  created_at: "${now()}"
  owner: "${owner}"
  lifecycle: "build"

mission: |
  Describe what this group exists to do.

constraints:
  hard: []
  soft: []

# Add agents with "karnel init agent agents/<role>", a members/<role>.yaml that points at it,
# and an entry here: { role, agent_ref: "./members/<role>.yaml", cadence, model_class }.
members:
${human}

components:
  memory: "./memory"
  goals: "./goals"
  ledger: "./ledger"
  treasury: "./treasury"
`;
  return {
    id,
    files: {
      'manifest.yaml': manifest,
      'members/.gitkeep': '',
      'memory/.gitkeep': '',
      'goals/current.yaml': `# The group's goal tree (spec/goals.md). Add goals under active_goals.
mission: ${JSON.stringify(`Goals of ${name}.`)}

active_goals: []

review_cadence:
  strategic: "weekly"
  tactical: "per_run"
`,
      'ledger/decisions/.gitkeep': '',
      'ledger/outcomes/.gitkeep': '',
      'treasury/balances.yaml': `# The group's budget (spec/treasury.md). It starts at zero: nothing may be spent until the
# owner sets a budget.
financial:
  budget_weekly: 0.00
`,
    },
  };
}
