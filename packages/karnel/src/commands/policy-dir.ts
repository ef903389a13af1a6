import { join } from 'node:path';
import { escapeTerminalText, KarnelError, readPrivateKeyFile, type Signer } from '@karnel/core';
import { type Ledger, openLedger } from '@karnel/ledger';
import { detectDirectoryKind } from '@karnel/manifest';
import {
  openPolicyDirectory as openPolicy,
  type PolicyDirectory,
  PolicyDirectoryError,
} from '@karnel/policy';
import { ExitCode } from '../exit-codes';
import type { CliContext } from '../output';
import { UsageError } from '../usage-error';

/** What the approvals and safe-mode commands open: `@karnel/policy`'s directory and its ledger. */
export interface CliPolicyDirectory extends PolicyDirectory {
  /** The directory's ledger, signed by the operator's key when one was given. Close it after. */
  readonly ledger: Ledger;
}

/**
 * Reads the operator's key file given with `--key` (or `KARNEL_KEY_FILE`), for commands that
 * sign. A missing option, or a file that cannot be read, is a usage error (exit 2).
 */
export async function requireOperatorKey(path: string | undefined): Promise<Signer> {
  const file = path || process.env.KARNEL_KEY_FILE;
  if (!file) throw new UsageError('this command signs: pass --key <file> (or set KARNEL_KEY_FILE)');
  try {
    return await readPrivateKeyFile(file);
  } catch (error) {
    if (KarnelError.isInstance(error))
      throw new UsageError(`key file ${escapeTerminalText(file)}: ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`key file ${escapeTerminalText(file)} cannot be read (${code})`);
  }
}

/**
 * Opens the policy side of an agent or group directory (see `@karnel/policy`'s
 * `openPolicyDirectory`) over its ledger. The directory is checked before the ledger is opened,
 * so a mistyped path never creates a ledger.
 */
export async function openPolicyDirectory(
  dir: string,
  signer?: Signer,
  {
    readOnly = false,
  }: {
    /**
     * Open the ledger for reading only, for a command that only reads: nothing is written or
     * locked (the owner is pinned by the first command that writes).
     */
    readOnly?: boolean;
  } = {},
): Promise<CliPolicyDirectory> {
  const detected = await detectDirectoryKind(dir);
  if (detected.kind === undefined) {
    throw new PolicyDirectoryError({
      dir,
      code: 'policy/not-a-directory',
      diagnostics: detected.diagnostics,
      message: `${dir} is not an agent or group directory: ${detected.diagnostics[0]?.message ?? 'no manifest.yaml'}`,
    });
  }
  const ledger = await openLedger(join(dir, 'ledger'), {
    ...(signer ? { signer } : {}),
    ...(readOnly ? { readOnly } : {}),
  });
  try {
    const policy = await openPolicy(dir, {
      ledger,
      ...(signer ? { signer } : {}),
      ...(readOnly ? { pinOwner: false } : {}),
    });
    return { ...policy, ledger };
  } catch (error) {
    await ledger.close();
    throw error;
  }
}

/**
 * Runs a command body and turns a Karnel error or a file-system error into one escaped line on
 * standard error and exit 1: messages quote ids, paths and fields that come from files an agent
 * can write.
 */
export async function reportPolicyErrors(
  context: CliContext,
  task: () => Promise<void>,
): Promise<void> {
  try {
    await task();
  } catch (error) {
    if (UsageError.isInstance(error)) throw error;
    // A Karnel error, or the file system refusing (a file where the ledger folder should be, a
    // folder without permission): a clear line and exit 1, not an internal error.
    const systemCode = (error as NodeJS.ErrnoException | undefined)?.code;
    if (!KarnelError.isInstance(error) && typeof systemCode !== 'string') throw error;
    const message = error instanceof Error ? error.message : String(error);
    context.output.err(`error: ${escapeTerminalText(message, { multiline: true })}`);
    context.setExitCode(ExitCode.failure);
  }
}

/**
 * `JSON.stringify(value, null, 2)` with every character a terminal could act on written as a
 * `\uXXXX` escape: JSON already escapes C0 controls, this adds DEL, C1 controls and the
 * bidirectional overrides. The result is the same JSON value.
 */
export function toTerminalSafeJson(value: unknown): string {
  return (JSON.stringify(value, null, 2) ?? 'null').replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
