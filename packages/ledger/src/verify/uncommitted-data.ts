import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic } from '@karnel/core';
import { ARCHIVE_DIR, CHAIN_FILE } from '../format/layout';
import type { ChainState } from '../read/chain-state';
import type { DataFileReader } from '../read/data-file-reader';

/**
 * Warns about bytes no entry committed: data after the committed end of append-only files, and
 * files no entry wrote (what an append cut short by a crash leaves, or a hand edit).
 */
export async function reportUncommitted(
  dir: string,
  state: ChainState,
  reader: DataFileReader,
  diagnostics: Diagnostic[],
): Promise<void> {
  for (const [path, file] of state.files) {
    if (!file.append) continue;
    const size = await reader.size(path);
    if (size !== null && size > file.end) {
      const position = await reader.positionOf(path, file.end);
      diagnostics.push(
        createDiagnostic({
          file: join(dir, ...path.split('/')),
          ...position,
          code: 'ledger/uncommitted-data',
          severity: 'warning',
          message: `${path} has ${size - file.end} bytes after what the chain committed (an append cut short by a crash, or added by hand); they are not part of the ledger`,
        }),
      );
    }
  }
  for (const path of listDataFiles(dir)) {
    if (state.files.has(path)) continue;
    diagnostics.push(
      createDiagnostic({
        file: join(dir, ...path.split('/')),
        code: 'ledger/uncommitted-file',
        severity: 'warning',
        message: `${path} is not committed by any entry (written by an append cut short by a crash, or added by hand); it is not part of the ledger`,
      }),
    );
  }
}

/** Every data file under the ledger folder (ledger-relative paths), skipping chain, archive and hidden files. */
function listDataFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    let names: import('node:fs').Dirent[];
    try {
      names = readdirSync(relative ? join(dir, relative) : dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const item of names) {
      if (item.name.startsWith('.')) continue;
      const path = relative ? `${relative}/${item.name}` : item.name;
      if (
        !relative &&
        (item.name === CHAIN_FILE || item.name === ARCHIVE_DIR || item.name === 'checkpoints')
      )
        continue;
      if (item.isDirectory()) walk(path);
      else found.push(path);
    }
  };
  walk('');
  return found.sort();
}
