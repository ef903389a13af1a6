import { join } from 'node:path';
import { CURATOR_CONFIG_FILE, loadCuratorConfig } from '@karnel/skills';
import type { DirectoryCheck } from './directory-check';

/**
 * Checks a group's `curator.yaml` (the settings of the curator that keeps the skill library:
 * pinned skills, when a skill turns stale or is archived, the optional model pass), each
 * mistake at its line and column. A group without the file uses the defaults; an agent has none.
 */
export const curatorCheck: DirectoryCheck = async (target) => {
  if (target.kind !== 'group') return [];
  const { diagnostics } = await loadCuratorConfig(target.dir, {
    displayPath: join(target.display, CURATOR_CONFIG_FILE),
  });
  return [...diagnostics];
};
