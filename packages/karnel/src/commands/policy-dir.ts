import { join } from 'node:path';
import { parsePublicKey, readPrivateKeyFile, readYamlFile, type Signer } from '@karnel/core';
import { type Ledger, openLedger } from '@karnel/ledger';
import {
  type ApprovalQueue,
  createApprovalQueue,
  createAuthority,
  createSafeMode,
  parseDuration,
  type SafeModeSwitch,
} from '@karnel/policy';
import { UsageError } from '../usage-error';

/** What the approvals and safe-mode commands open in an agent or group directory. */
export interface PolicyDirectory {
  /** The owner identity from the manifest. */
  readonly owner: string;
  /** The directory's ledger, signed by the operator's key when one was given. */
  readonly ledger: Ledger;
  /** The approval queue in `approvals/`. */
  readonly approvals: ApprovalQueue;
  /** The safe-mode switch in `safe-mode.json`. */
  readonly safeMode: SafeModeSwitch;
}

/**
 * Reads the owner of an agent (`agent.owner`) or group (`group.owner`) directory from its
 * `manifest.yaml`. Throws a {@link UsageError} when the directory has no readable owner.
 */
export async function readOwner(dir: string): Promise<string> {
  const document = await readYamlFile(join(dir, 'manifest.yaml'));
  const manifest = document.value as
    | { agent?: { owner?: unknown }; group?: { owner?: unknown } }
    | undefined;
  const owner = manifest?.agent?.owner ?? manifest?.group?.owner;
  if (typeof owner !== 'string' || !parsePublicKey(owner)) {
    throw new UsageError(
      `${join(dir, 'manifest.yaml')} has no ed25519 owner (agent.owner or group.owner); run "karnel validate ${dir}"`,
    );
  }
  return owner;
}

/** Reads the operator's key file given with `--key` (or `KARNEL_KEY_FILE`). */
export async function readOperatorKey(
  path: string | undefined,
  required: boolean,
): Promise<Signer | undefined> {
  const file = path ?? process.env.KARNEL_KEY_FILE;
  if (!file) {
    if (required)
      throw new UsageError('this command signs: pass --key <file> (or set KARNEL_KEY_FILE)');
    return undefined;
  }
  return readPrivateKeyFile(file);
}

/** Reads the approval time to live of `policy.yaml`, when it sets one. */
async function readTtl(dir: string): Promise<number | undefined> {
  const document = await readYamlFile(join(dir, 'policy.yaml'));
  const ttl = (document.value as { approvals?: { ttl?: unknown } } | undefined)?.approvals?.ttl;
  return typeof ttl === 'string' ? parseDuration(ttl) : undefined;
}

/** Opens the ledger, approval queue and safe-mode switch of a directory. Close the ledger after. */
export async function openPolicyDirectory(dir: string, signer?: Signer): Promise<PolicyDirectory> {
  const owner = await readOwner(dir);
  const ledger = await openLedger(join(dir, 'ledger'), signer ? { signer } : {});
  const authority = createAuthority({ dir, owner, ledger });
  const ttlMs = await readTtl(dir);
  const approvals = createApprovalQueue({ dir, authority, ledger, ...(ttlMs ? { ttlMs } : {}) });
  const safeMode = createSafeMode({ dir, owner, approvals, ledger });
  return { owner, ledger, approvals, safeMode };
}
