import { join, relative } from 'node:path';
import type { Diagnostic } from '@karnel/core';
import { discoverSkills } from '@karnel/skills';
import type { DirectoryCheck } from './directory-check';

/**
 * Checks an agent's skills: every SKILL.md (Agent Skills format, Hermes fields accepted),
 * `karnel.yaml` and `*.skill.json` under its `skills` component, and duplicate names. Strict
 * checking is left to `karnel skills validate --strict`.
 */
export const skillsCheck: DirectoryCheck = async (target) => {
  const skillsDir = target.components.skills;
  if (target.kind !== 'agent' || skillsDir === undefined) return [];
  const displayPath = join(target.display, relative(target.dir, skillsDir));
  const { diagnostics } = await discoverSkills([{ dir: skillsDir, displayPath, source: 'agent' }]);
  return diagnostics.filter((diagnostic: Diagnostic) => diagnostic.severity !== 'info');
};
