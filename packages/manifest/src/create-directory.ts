import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type CognitiveTier,
  createId,
  InvalidArgumentError,
  KarnelError,
  parsePublicKey,
} from '@karnel/core';
import { modelClassSchema } from './agent-manifest-schema';
import { isContact, nameSchema } from './common-schemas';
import { CURRENT_SPEC_VERSION } from './spec-version';

const existsMarker = Symbol.for('karnel.error.DirectoryExistsError');

/**
 * Thrown by {@link createAgentDirectory} and {@link createGroupDirectory} when the target is
 * already taken: a file, a folder that is not empty, or a directory another process created
 * first. Nothing is ever overwritten.
 */
export class DirectoryExistsError extends KarnelError {
  private readonly [existsMarker] = true;
  /** The absolute path that was to be created. */
  readonly path: string;
  /** Why it cannot be used, e.g. "the directory exists and is not empty". */
  readonly reason: string;

  /** @param options - The path and why it cannot be used. */
  constructor({ path, reason }: { path: string; reason: string }) {
    super({ name: 'DirectoryExistsError', message: `${path}: ${reason}; nothing was overwritten` });
    this.path = path;
    this.reason = reason;
  }

  /** Whether `error` is a {@link DirectoryExistsError} from any copy of this package. */
  static override isInstance(error: unknown): error is DirectoryExistsError {
    return KarnelError.hasMarker(error, 'karnel.error.DirectoryExistsError');
  }
}

/** What {@link createAgentDirectory} and {@link createGroupDirectory} created. */
export interface CreatedDirectory {
  /** `agent` or `group`. */
  readonly kind: 'agent' | 'group';
  /** The new id (`agt_…` or `grp_…`). */
  readonly id: string;
  /** The absolute path of the new directory. */
  readonly dir: string;
  /** The files written, relative to `dir`, in the order written. */
  readonly files: readonly string[];
}

/** Options shared by {@link createAgentDirectory} and {@link createGroupDirectory}. */
export interface CreateDirectoryOptions {
  /** The owner identity: an ed25519 `did:key:z6Mk…` or `ed25519:<base64url>` public key. */
  owner: string;
  /** The display name. Default: the directory's own name. 1–128 characters, no control characters. */
  name?: string;
  /** The creation time written to the manifest. Default: now. */
  now?: Date;
}

/** Options of {@link createAgentDirectory}. */
export interface CreateAgentDirectoryOptions extends CreateDirectoryOptions {
  /** The agent's cognitive tier. Default: `fast-general`. */
  modelClass?: CognitiveTier;
}

/** Options of {@link createGroupDirectory}. */
export interface CreateGroupDirectoryOptions extends CreateDirectoryOptions {
  /**
   * How the human owner is reached for escalations: an e-mail address, an http(s) or mailto
   * URL, or an `@handle`. Without it the owner is listed without a contact.
   */
  contact?: string;
}

/**
 * Creates a new, valid agent directory at `dir` with a fresh id: `manifest.yaml` and empty
 * `memory/`, `skills/` and `ledger/` folders. The directory is built next to its destination
 * and renamed into place, so an interrupted call leaves nothing, and a directory that exists
 * and is not empty (or that a concurrent call created first) is never overwritten.
 *
 * @throws {DirectoryExistsError} when `dir` is a file or a folder that is not empty.
 * @throws {InvalidArgumentError} for an owner, name or model class the manifest would refuse.
 *
 * @example
 * ```ts
 * const created = await createAgentDirectory('agents/writer', { owner: 'did:key:z6Mk…' });
 * console.log(created.id); // agt_…
 * ```
 */
export async function createAgentDirectory(
  dir: string,
  options: CreateAgentDirectoryOptions,
): Promise<CreatedDirectory> {
  const target = resolve(dir);
  const { name, owner, created } = checkCommon(target, options);
  const modelClass = options.modelClass ?? 'fast-general';
  if (!modelClassSchema.safeParse(modelClass).success) {
    throw new InvalidArgumentError({
      argument: 'modelClass',
      value: modelClass,
      message: `"${modelClass}" is not a cognitive tier`,
    });
  }
  const id = createId('agt');
  const manifest = `# yaml-language-server: $schema=https://raw.githubusercontent.com/karnel-dev/karnel/main/spec/schemas/agent-manifest.schema.json
karnel_spec_version: "${CURRENT_SPEC_VERSION}"

agent:
  id: "${id}"
  name: ${JSON.stringify(name)}
  created_at: "${created}"
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
  const files = {
    'manifest.yaml': manifest,
    'memory/.gitkeep': '',
    'skills/.gitkeep': '',
    'ledger/runs/.gitkeep': '',
    'ledger/decisions/.gitkeep': '',
  };
  await writeDirectoryAtomically(target, files);
  return { kind: 'agent', id, dir: target, files: Object.keys(files) };
}

/**
 * Creates a new, valid group directory at `dir` with a fresh id: `manifest.yaml` with the
 * owner as its human member, `members/`, `memory/`, `goals/current.yaml`, `ledger/` and
 * `treasury/balances.yaml` with a zero budget. Same atomic, never-overwrite rules as
 * {@link createAgentDirectory}.
 *
 * @throws {DirectoryExistsError} when `dir` is a file or a folder that is not empty.
 * @throws {InvalidArgumentError} for an owner, name or contact the manifest would refuse.
 */
export async function createGroupDirectory(
  dir: string,
  options: CreateGroupDirectoryOptions,
): Promise<CreatedDirectory> {
  const target = resolve(dir);
  const { name, owner, created } = checkCommon(target, options);
  const { contact } = options;
  if (contact !== undefined && !isContact(contact)) {
    throw new InvalidArgumentError({
      argument: 'contact',
      value: contact,
      message:
        'expected an e-mail address (owner@example.com), an https:, http: or mailto: URL, or an @handle (@alice)',
    });
  }
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
  created_at: "${created}"
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
  const files = {
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
  };
  await writeDirectoryAtomically(target, files);
  return { kind: 'group', id, dir: target, files: Object.keys(files) };
}

function checkCommon(
  target: string,
  { owner, name = basename(target), now = new Date() }: CreateDirectoryOptions,
): { name: string; owner: string; created: string } {
  if (!parsePublicKey(owner)) {
    throw new InvalidArgumentError({
      argument: 'owner',
      value: owner,
      message: 'expected an ed25519 did:key (did:key:z6Mk…) or public key (ed25519:<base64url>)',
    });
  }
  const parsed = nameSchema.safeParse(name);
  if (!parsed.success) {
    throw new InvalidArgumentError({
      argument: 'name',
      value: name,
      message: parsed.error.issues[0]?.message ?? 'not a valid name',
    });
  }
  return { name: parsed.data, owner, created: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** Why `target` cannot be created, or `undefined` when it does not exist or is an empty folder. */
async function refuseExisting(target: string): Promise<string | undefined> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(target)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!isDirectory) return 'a file with this name exists';
  if ((await readdir(target)).length > 0) return 'the directory exists and is not empty';
  return undefined;
}

/**
 * Builds the whole directory next to its destination and renames it into place, so an
 * interrupted creation leaves either nothing or a complete directory.
 */
async function writeDirectoryAtomically(
  target: string,
  files: Readonly<Record<string, string>>,
): Promise<void> {
  const problem = await refuseExisting(target);
  if (problem) throw new DirectoryExistsError({ path: target, reason: problem });
  const staging = join(
    dirname(target),
    `.${basename(target)}.init-${randomBytes(6).toString('hex')}`,
  );
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), content, { flag: 'wx' });
    }
    try {
      // rename(2) replaces an empty directory and fails on a non-empty one: no overwrite.
      await rename(staging, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') {
        throw new DirectoryExistsError({
          path: target,
          reason:
            code === 'ENOTDIR'
              ? 'a file with this name exists'
              : 'another process created it first (a concurrent init?)',
        });
      }
      throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
