import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic, readYamlFile } from '@karnel/core';
import { isRecord } from './is-record';
import { MAX_MANIFEST_BYTES } from './load-document';

/** The kinds of Karnel directory. */
export type DirectoryKind = 'agent' | 'group';

/** The result of {@link detectDirectoryKind}. */
export interface DirectoryKindDetection {
  /** The kind, or `undefined` when it could not be told (see `diagnostics`). */
  readonly kind: DirectoryKind | undefined;
  /** Why the kind could not be told; empty when `kind` is set. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Tells whether `dir` holds an agent or a group, from the top-level block of its
 * `manifest.yaml` (`agent:` or `group:`). Never throws: a missing directory or manifest, or one
 * that is neither, comes back as a diagnostic.
 *
 * @param options.displayPath - The directory as shown in diagnostics. Default: `dir`.
 */
export async function detectDirectoryKind(
  dir: string,
  options: { displayPath?: string } = {},
): Promise<DirectoryKindDetection> {
  const { displayPath = dir } = options;
  try {
    if (!(await stat(dir)).isDirectory()) {
      return failed(
        createDiagnostic({
          file: displayPath,
          code: 'path/not-a-directory',
          message: 'expected an agent or group directory (or its manifest.yaml)',
        }),
      );
    }
  } catch {
    return failed(
      createDiagnostic({
        file: displayPath,
        code: 'path/not-found',
        message: 'no such file or directory',
      }),
    );
  }
  const manifestDisplay = join(displayPath, 'manifest.yaml');
  let value: unknown;
  try {
    const document = await readYamlFile(join(dir, 'manifest.yaml'), {
      displayPath: manifestDisplay,
      maxBytes: MAX_MANIFEST_BYTES,
    });
    if (document.value === undefined || document.value === null) {
      return failed(
        ...(document.diagnostics.length > 0
          ? document.diagnostics
          : [
              createDiagnostic({
                file: manifestDisplay,
                code: 'schema/empty',
                message: 'document is empty',
              }),
            ]),
      );
    }
    value = document.value;
  } catch (error) {
    return failed(
      createDiagnostic({
        file: manifestDisplay,
        code: 'yaml/unreadable',
        message: `the file could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
      }),
    );
  }
  const hasAgent = isRecord(value) && 'agent' in value;
  const hasGroup = isRecord(value) && 'group' in value;
  if (hasAgent && !hasGroup) return { kind: 'agent', diagnostics: [] };
  if (hasGroup && !hasAgent) return { kind: 'group', diagnostics: [] };
  return failed(
    createDiagnostic({
      file: manifestDisplay,
      code: 'manifest/unknown-kind',
      message: hasAgent
        ? 'the manifest has both an "agent" and a "group" block; a directory is one or the other'
        : 'the manifest has neither an "agent" block (agent directory) nor a "group" block (group directory)',
    }),
  );
}

function failed(...diagnostics: Diagnostic[]): DirectoryKindDetection {
  return { kind: undefined, diagnostics };
}
