import { basename, dirname, resolve } from 'node:path';
import { type Diagnostic, pathKind } from '@karnel/core';
import { detectDirectoryKind } from './detect-directory-kind';
import {
  type AgentDirValidation,
  type ValidateDirOptions,
  validateAgentDir,
} from './validate-agent-dir';
import { type GroupDirValidation, validateGroupDir } from './validate-group-dir';

/** The result of {@link validateDirectory}: an agent's, a group's, or neither when the kind is unknown. */
export type DirectoryValidation =
  | AgentDirValidation
  | GroupDirValidation
  | {
      /** The kind could not be told. */
      readonly kind: undefined;
      /** The absolute path given. */
      readonly dir: string;
      /** The path as shown in diagnostics. */
      readonly displayPath: string;
      /** Why the kind could not be told. */
      readonly diagnostics: readonly Diagnostic[];
      /** Always `false`. */
      readonly valid: false;
    };

/**
 * Validates an agent or group directory, telling which from its manifest. `path` may also be the
 * `manifest.yaml` itself. Never throws for the directory's content.
 */
export async function validateDirectory(
  path: string,
  { displayPath = path }: ValidateDirOptions = {},
): Promise<DirectoryValidation> {
  let dir = resolve(path);
  let display = displayPath;
  if (basename(dir) === 'manifest.yaml' && (await pathKind(dir)) === 'file') {
    dir = dirname(dir);
    display = dirname(displayPath);
  }
  const detection = await detectDirectoryKind(dir, { displayPath: display });
  if (detection.kind === 'agent') return validateAgentDir(dir, { displayPath: display });
  if (detection.kind === 'group') return validateGroupDir(dir, { displayPath: display });
  return {
    kind: undefined,
    dir,
    displayPath: display,
    diagnostics: detection.diagnostics,
    valid: false,
  };
}
