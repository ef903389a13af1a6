/** @deprecated Import from `@karnel/validate`; re-exported here for compatibility. */
export {
  type DirectoryCheck,
  directoryChecks,
  type PathsValidation,
  type ValidatePathsOptions,
  type ValidationTarget,
  validatePaths,
} from '@karnel/validate';
export { CommandError } from './command-error';
export { commands, type RegisterCommand } from './commands/index';
export { ExitCode, type ExitCodeValue } from './exit-codes';
export { formatOption } from './format-option';
export { type KeyFileSource, requireOperatorKey } from './operator-key';
export {
  type CliContext,
  type CliOutput,
  createContext,
  escapeDiagnostic,
  escapeJsonForTerminal,
  parseFormat,
  printDiagnostics,
  processOutput,
} from './output';
export { createProgram, runCli } from './run-cli';
export {
  type CommandLine,
  findSystemError,
  isSystemError,
  reportSystemError,
  type SystemError,
  type SystemErrorReport,
} from './system-error';
export { UsageError } from './usage-error';
export { version } from './version';
