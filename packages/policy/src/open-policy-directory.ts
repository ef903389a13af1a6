import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Clock,
  createDiagnostic,
  type Diagnostic,
  formatDiagnostics,
  identitySchema,
  type LedgerPort,
  type Signer,
  systemClock,
} from '@karnel/core';
import { detectDirectoryKind, loadAgentManifest, loadGroupManifest } from '@karnel/manifest';
import { type ApprovalQueue, createApprovalQueue } from './approval-queue';
import { type Authority, createAuthority } from './authority';
import { parseDuration } from './duration';
import { PolicyDirectoryError } from './errors';
import { resolveOwner } from './owner-anchor';
import { type PolicyFile, validatePolicyFile } from './policy-file';
import { createSafeMode, type SafeModeSwitch } from './safe-mode';

/** Options of {@link openPolicyDirectory}. */
export interface OpenPolicyDirectoryOptions {
  /**
   * The directory's hash-chained ledger, appended to and read back (approvals, safe mode and
   * the pinned owner are read from it). Open it with `@karnel/ledger`'s
   * `openLedger(join(dir, 'ledger'))`, or pass any other `LedgerPort`; the caller closes it.
   */
  readonly ledger: LedgerPort;
  /**
   * The key of whoever opens the directory. It signs the `owner.pinned` record when this call
   * is the first to pin the owner. Optional.
   */
  readonly signer?: Signer;
  /** The clock for approvals and safe mode. Default: the system clock. */
  readonly clock?: Clock;
  /** The directory as shown in diagnostics and messages. Default: `dir`. */
  readonly displayPath?: string;
  /**
   * Whether this call may pin the owner (trust on first use) when the ledger has pinned none
   * yet. Default `true`. A reader that only lists or shows (its ledger opened read-only) passes
   * `false`: the manifest's owner is then used unconfirmed for this call, and the first call that
   * may write pins it.
   */
  readonly pinOwner?: boolean;
}

/** What {@link openPolicyDirectory} opens in an agent or group directory. */
export interface PolicyDirectory {
  /** Whether the directory holds an agent or a group. */
  readonly kind: 'agent' | 'group';
  /** The owner identity: the manifest's, confirmed by the ledger. */
  readonly owner: string;
  /** The validated `policy.yaml`, when the directory has one. */
  readonly policyFile?: PolicyFile;
  /** Who may approve, from the owner's signed grants in `grants/`. */
  readonly authority: Authority;
  /** The approval queue (copies in `approvals/`, truth in the ledger). */
  readonly approvals: ApprovalQueue;
  /** The safe-mode switch (copy in `safe-mode.json`, truth in the ledger). */
  readonly safeMode: SafeModeSwitch;
  /** Ledger records about the owner that did not count, one sentence each; usually empty. */
  readonly notices: readonly string[];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function refuse(
  dir: string,
  code: PolicyDirectoryError['code'],
  lead: string,
  diagnostics: readonly Diagnostic[],
): never {
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  throw new PolicyDirectoryError({
    dir,
    code,
    diagnostics,
    message: `${lead}:\n${formatDiagnostics(errors.length > 0 ? errors : diagnostics)}`,
  });
}

/**
 * Opens the policy side of an agent or group directory, as `karnel approvals` and
 * `karnel safe-mode` do: reads the owner from `manifest.yaml` (validated) and checks it against
 * the owner the ledger pinned, reads the approval time to live from `policy.yaml` when there is
 * one (validated), and creates the authority, approval queue and safe-mode switch over the
 * given ledger.
 *
 * @example
 * ```ts
 * import { openLedger } from '@karnel/ledger';
 * import { openPolicyDirectory } from '@karnel/policy';
 *
 * const ledger = await openLedger('./my-agent/ledger');
 * const policy = await openPolicyDirectory('./my-agent', { ledger });
 * console.log(await policy.approvals.list({ status: 'pending' }));
 * await ledger.close();
 * ```
 *
 * @throws {PolicyDirectoryError} when the directory, its manifest or its policy file is missing
 *   or invalid; `diagnostics` carry file, line and column.
 * @throws {PolicyOwnerError} when the manifest names another owner than the ledger pinned.
 */
export async function openPolicyDirectory(
  dir: string,
  {
    ledger,
    signer,
    clock = systemClock,
    displayPath = dir,
    pinOwner = true,
  }: OpenPolicyDirectoryOptions,
): Promise<PolicyDirectory> {
  const detected = await detectDirectoryKind(dir, { displayPath });
  if (detected.kind === undefined)
    refuse(
      dir,
      'policy/not-a-directory',
      `${displayPath} is not an agent or group directory`,
      detected.diagnostics,
    );
  const manifestPath = join(dir, 'manifest.yaml');
  const manifestDisplay = join(displayPath, 'manifest.yaml');
  const loaded =
    detected.kind === 'agent'
      ? await loadAgentManifest(manifestPath, { displayPath: manifestDisplay, root: dir })
      : await loadGroupManifest(manifestPath, { displayPath: manifestDisplay, root: dir });
  // Only the owner matters here: a manifest with unrelated mistakes (reported by
  // `karnel validate`) still opens, but its owner must be a well-formed ed25519 identity.
  const block = detected.kind;
  const raw = loaded.document.value as Record<string, { owner?: unknown } | undefined> | undefined;
  const named = identitySchema.safeParse(raw?.[block]?.owner);
  if (!named.success) {
    const ownerProblems =
      raw === undefined
        ? loaded.diagnostics
        : loaded.diagnostics.filter((diagnostic) => diagnostic.message.includes('owner'));
    const position = loaded.document.position([block, 'owner']);
    refuse(dir, 'policy/manifest-invalid', `${manifestDisplay} names no ed25519 owner`, [
      ...ownerProblems,
      ...(ownerProblems.length > 0
        ? []
        : [
            createDiagnostic({
              file: manifestDisplay,
              line: position.line,
              column: position.column,
              code: 'policy/manifest-invalid',
              message: `${block}.owner must be an ed25519 did:key or ed25519: public key`,
            }),
          ]),
    ]);
  }
  const claimed = named.data;

  let policyFile: PolicyFile | undefined;
  const policyPath = join(dir, 'policy.yaml');
  if (await isFile(policyPath)) {
    const policyDisplay = join(displayPath, 'policy.yaml');
    const validation = await validatePolicyFile(policyPath, {
      displayPath: policyDisplay,
      root: dir,
    });
    if (validation.value === undefined)
      refuse(
        dir,
        'policy/policy-file-invalid',
        `${policyDisplay} is not valid`,
        validation.diagnostics,
      );
    policyFile = validation.value;
  }

  const { owner, ignored } = await resolveOwner({
    ledger,
    claimed,
    ...(signer ? { signer } : {}),
    source: manifestDisplay,
    pin: pinOwner,
  });
  const ttl = policyFile?.approvals?.ttl;
  const ttlMs = ttl !== undefined ? parseDuration(ttl) : undefined;
  const authority = createAuthority({ dir, owner, ledger, clock });
  const approvals = createApprovalQueue({
    dir,
    authority,
    ledger,
    clock,
    ...(ttlMs !== undefined ? { ttlMs } : {}),
  });
  const safeMode = createSafeMode({ dir, owner, approvals, ledger, clock });
  return {
    kind: detected.kind,
    owner,
    ...(policyFile ? { policyFile } : {}),
    authority,
    approvals,
    safeMode,
    notices: ignored,
  };
}
