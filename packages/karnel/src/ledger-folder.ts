import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { escapeTerminalText, formatDiagnostics, pathKind } from '@karnel/core';
import { resolveComponent } from '@karnel/manifest';
import { CommandError } from './command-error';

/** What a command is about to do with the ledger, which decides what counts as one. */
export interface LedgerFolderOptions {
  /**
   * Whether a folder that does not exist yet may become a new ledger (`karnel ledger append
   * --create`). Without it, a path that is neither an existing ledger nor an agent or group
   * directory is refused, so a typo never starts a new, empty ledger somewhere else.
   */
  create?: boolean;
  /**
   * Whether the command appends: then an agent or group directory whose ledger folder does not
   * exist yet is fine (the first record creates it). Readers are refused instead, since there
   * is nothing to read.
   */
  append?: boolean;
}

/** The files and folders a ledger folder holds; a folder with only these is a ledger. */
const ledgerEntries = new Set([
  'chain.jsonl',
  '.chain.lock',
  'coordination_log.jsonl',
  'runs',
  'decisions',
  'outcomes',
  'archive',
  'checkpoints',
  '.gitkeep',
]);

/**
 * Finds the ledger folder a command line names: a ledger folder itself (it holds `chain.jsonl`,
 * or only the folders a new ledger starts with, as `karnel init` writes them), or an agent or
 * group directory, whose `components.ledger` (default `./ledger`) is used. Anything else — a
 * path that does not exist, a file, a folder of something else, a directory whose manifest
 * cannot tell where its ledger is — is a {@link CommandError} naming the path, never an empty
 * ledger that looks intact.
 *
 * @returns The absolute path of the ledger folder.
 */
export async function resolveLedgerFolder(
  dir: string,
  { create = false, append = false }: LedgerFolderOptions = {},
): Promise<string> {
  const shown = escapeTerminalText(dir);
  const path = resolve(dir);
  const kind = await pathKind(path);
  if (kind === 'missing') {
    if (create) return path;
    throw new CommandError(
      `${shown}: no such ledger folder or agent or group directory${append ? '; to start a new ledger there, pass --create, or create an agent or group with "karnel init"' : ''}`,
    );
  }
  if (kind === 'file' || kind === 'other') {
    throw new CommandError(
      `${shown}: is a file, expected a ledger folder or an agent or group directory`,
    );
  }
  const denied = () => new CommandError(`${shown}: cannot be read (permission denied)`);
  if (kind === 'unreadable') throw denied();
  try {
    await access(path, constants.R_OK | constants.X_OK);
  } catch {
    throw denied();
  }
  if ((await pathKind(join(path, 'chain.jsonl'))) === 'file') return path;
  if ((await pathKind(join(path, 'manifest.yaml'))) !== 'missing') {
    const component = await resolveComponent(path, 'ledger', { displayPath: dir });
    if (!component.ok) {
      throw new CommandError(
        `${shown}: cannot tell where its ledger is:\n${escapeTerminalText(formatDiagnostics(component.diagnostics), { multiline: true })}`,
      );
    }
    // The manifest names the ledger: its folder may not exist until the first record.
    if (!component.exists && !append) {
      throw new CommandError(
        `${shown}: has no ledger yet (${escapeTerminalText(component.path)} does not exist); "karnel ledger append" starts it`,
      );
    }
    return component.path;
  }
  const names = await readdir(path);
  if (names.every((name) => ledgerEntries.has(name))) return path;
  throw new CommandError(
    `${shown}: is not a ledger (no chain.jsonl) nor an agent or group directory (no manifest.yaml)`,
  );
}
