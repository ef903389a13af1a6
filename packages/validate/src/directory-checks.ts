import { constraintsCheck } from './constraints-check';
import { coordinationCheck } from './coordination-check';
import { curatorCheck } from './curator-check';
import type { DirectoryCheck } from './directory-check';
import { goalsCheck } from './goals-check';
import { ledgerCheck } from './ledger-check';
import { memoryCheck } from './memory-check';
import { skillsCheck } from './skills-check';
import { tiersCheck } from './tiers-check';
import { treasuryCheck } from './treasury-check';

/**
 * The checks `karnel validate` runs on every target after manifest validation. Each package
 * that owns a part of the directory (goals, treasury, coordination, memory, ledger, skills, tiers, the curator's settings)
 * appends its check here.
 */
export const directoryChecks: readonly DirectoryCheck[] = [
  coordinationCheck,
  ledgerCheck,
  constraintsCheck,
  skillsCheck,
  goalsCheck,
  treasuryCheck,
  memoryCheck,
  tiersCheck,
  curatorCheck,
];
