import { join, relative } from 'node:path';
import { pathKind, readYamlFile } from '@karnel/core';
import { GOALS_FILE, validateGoalsDir } from '@karnel/goals';
import type { DirectoryCheck } from './directory-check';

/**
 * Checks the goal tree of an agent or group (its `goals` component, `current.yaml`): schema,
 * unique ids across the tree, blocked goals with a blocker that names a goal or a known
 * condition (the built-in ones, the file's own, and the group's escalation conditions), and in
 * a group, every `owner_role` a member role, each mistake at its line. A group's goals folder
 * must hold `current.yaml`; a group-bound agent may leave its goals folder empty.
 */
export const goalsCheck: DirectoryCheck = async (target) => {
  const goalsDir = target.components.goals;
  if (goalsDir === undefined || (await pathKind(goalsDir)) !== 'folder') return [];
  if (target.kind === 'agent' && (await pathKind(join(goalsDir, GOALS_FILE))) !== 'file') return [];
  const displayPath = join(target.display, relative(target.dir, goalsDir));
  const conditions = target.coordinationRef
    ? await escalationConditions(target.coordinationRef)
    : [];
  return validateGoalsDir(goalsDir, {
    displayPath,
    conditions,
    ...(target.kind === 'group' ? { roles: target.roles } : {}),
  });
};

/** The `condition` names of a coordination protocol's escalation paths (best effort). */
async function escalationConditions(protocolPath: string): Promise<string[]> {
  const document = await readYamlFile(protocolPath);
  const paths = (document.value as { escalation_paths?: unknown } | undefined)?.escalation_paths;
  if (!Array.isArray(paths)) return [];
  return paths.flatMap((path) => {
    const condition = (path as { condition?: unknown } | null)?.condition;
    return typeof condition === 'string' ? [condition] : [];
  });
}
