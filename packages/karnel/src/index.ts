export { commands, type RegisterCommand } from './commands/index';
export { ExitCode, type ExitCodeValue } from './exit-codes';
export {
  type CliContext,
  type CliOutput,
  createContext,
  parseFormat,
  printDiagnostics,
  processOutput,
} from './output';
export { createProgram, runCli } from './run-cli';
export { UsageError } from './usage-error';
export { directoryChecks } from './validation/checks';
export type { DirectoryCheck, ValidationTarget } from './validation/directory-check';
export {
  type PathsValidation,
  type ValidatePathsOptions,
  validatePaths,
} from './validation/validate-paths';
export { version } from './version';
