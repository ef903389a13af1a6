import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { escapeTerminalText } from '@karnel/core';
import { UsageError } from './usage-error';

/**
 * Checks, before any work, that `path` can be a new or replaced file: it is not a folder, and
 * the folder it goes in exists (Karnel never creates a folder for a mistyped path). A mistake
 * is a {@link UsageError} naming the path, with `label` (`--output`, or the argument's name)
 * in front.
 */
export async function requireWritableFile(path: string, label: string): Promise<void> {
  const shown = `${label} ${escapeTerminalText(path)}`;
  const info = await stat(resolve(path)).catch(() => undefined);
  if (info?.isDirectory()) throw new UsageError(`${shown}: is a folder, expected a file path`);
  if (info === undefined) {
    const parent = await stat(dirname(resolve(path))).catch(() => undefined);
    if (!parent?.isDirectory())
      throw new UsageError(
        `${shown}: the folder ${escapeTerminalText(dirname(path))} does not exist`,
      );
  }
}
