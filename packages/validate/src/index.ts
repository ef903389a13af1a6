export { constraintsCheck } from './constraints-check';
export { coordinationCheck } from './coordination-check';
export { curatorCheck } from './curator-check';
export type { DirectoryCheck, ValidationTarget } from './directory-check';
export { directoryChecks } from './directory-checks';
export { type FindEscapingSymlinksOptions, findEscapingSymlinks } from './escaping-symlinks';
export { goalsCheck } from './goals-check';
export { ledgerCheck } from './ledger-check';
export { memoryCheck } from './memory-check';
export { skillsCheck } from './skills-check';
export { createTiersCheck, type TiersCheckOptions, tiersCheck } from './tiers-check';
export { treasuryCheck } from './treasury-check';
export {
  type FindUnreadablePathsOptions,
  findUnreadablePaths,
  isPermissionError,
  type PermissionError,
  unreadableDiagnostic,
} from './unreadable-paths';
export { type PathsValidation, type ValidatePathsOptions, validatePaths } from './validate-paths';
