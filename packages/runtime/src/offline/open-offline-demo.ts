import { join } from 'node:path';
import type { LanguageModelSource } from '@karnel/tiers';
import { RuntimeOpenError } from '../run/runtime-open-error';
import { createOfflineModelSource } from './offline-model';
import { OFFLINE_SCRIPT_FILE, readOfflineScript } from './offline-script';

/**
 * Reads a group's `offline-demo.yaml` and returns the offline demo model as a model source, to
 * pass as `languageModels` to `openRuntimeParts` (what `karnel run --offline` does).
 *
 * @throws {RuntimeOpenError} (part `offline`) when the script is missing or invalid, with
 *   diagnostics at file, line and column.
 */
export async function openOfflineDemo(dir: string): Promise<LanguageModelSource> {
  const path = join(dir, OFFLINE_SCRIPT_FILE);
  const read = await readOfflineScript(path, { root: dir });
  if (!read.script)
    throw new RuntimeOpenError({
      dir,
      part: 'offline',
      summary: `${path} cannot be used for the offline demo`,
      diagnostics: read.diagnostics,
    });
  return createOfflineModelSource(read.script);
}
