import { join, relative, sep } from 'node:path';
import { escapeTerminalText, formatDiagnostics } from '@karnel/core';
import { loadGroupManifest, resolveComponent } from '@karnel/manifest';
import { MigrationError } from './migration-error';

/** What a migration step needs to know of a group directory. */
export interface GroupLocation {
  /** The group directory, absolute. */
  readonly dir: string;
  /** The group id (`grp_…`). */
  readonly id: string;
  /** The owner `manifest.yaml` claims (trusted only once the ledger agrees). */
  readonly claimedOwner: string;
  /** The ledger folder, absolute. */
  readonly ledgerDir: string;
  /** The ledger folder relative to the group directory, `/`-separated. */
  readonly ledgerPath: string;
}

/**
 * Reads a group directory's manifest and finds its ledger. A directory that is not a valid
 * group is a {@link MigrationError} (`migration/not-a-group`) carrying the diagnostics.
 */
export async function locateGroup(dir: string, display = dir): Promise<GroupLocation> {
  const loaded = await loadGroupManifest(join(dir, 'manifest.yaml'), {
    displayPath: join(display, 'manifest.yaml'),
  });
  const group = loaded.value?.group;
  if (!group) {
    throw new MigrationError({
      code: 'migration/not-a-group',
      problems: [
        `${escapeTerminalText(display)} is not a valid group directory:\n${escapeTerminalText(formatDiagnostics(loaded.diagnostics.filter((d) => d.severity === 'error')), { multiline: true })}`,
      ],
    });
  }
  const ledger = await resolveComponent(dir, 'ledger', { displayPath: display });
  if (!ledger.ok) {
    throw new MigrationError({
      code: 'migration/not-a-group',
      problems: [escapeTerminalText(formatDiagnostics(ledger.diagnostics), { multiline: true })],
    });
  }
  return {
    dir: ledger.dir,
    id: group.id,
    claimedOwner: group.owner,
    ledgerDir: ledger.path,
    ledgerPath: relative(ledger.dir, ledger.path).split(sep).join('/') || '.',
  };
}
