import {
  createDiagnostic,
  type Diagnostic,
  emptyDocument,
  readYamlFile,
  type SourceDocument,
  validateDocument,
} from '@karnel/core';
import type { z } from 'zod';
import { isRecord } from './is-record';
import { CURRENT_SPEC_VERSION, checkSpecVersion } from './spec-version';
import { type ManifestKind, upgradeManifest } from './upgrade-manifest';

/**
 * The size bound for manifests and member files: 1 MiB. Hand-written manifests are a few
 * kilobytes; anything larger is refused before it is read, so a hostile file costs neither time
 * nor memory.
 */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Options shared by the loaders. */
export interface LoadOptions {
  /** The path shown in diagnostics. Default: the path as given. */
  displayPath?: string;
  /** Files larger than this are refused. Default {@link MAX_MANIFEST_BYTES}. */
  maxBytes?: number;
  /**
   * The folder the file must really be inside (its agent or group directory): a file that a
   * symbolic link leads out of it is not read, it is the error `file/outside-root`. Default:
   * none.
   */
  root?: string;
}

/** What a loader returns. `value` is present only when the file has no errors. */
export interface LoadResult<T> {
  /** The validated, typed content; `undefined` when there are errors. */
  readonly value: T | undefined;
  /** Every problem found: parse, version, schema. */
  readonly diagnostics: readonly Diagnostic[];
  /** The parsed document with its positions, for cross-file checks (its value is the raw, upgraded input). */
  readonly document: SourceDocument;
}

/**
 * Reads a YAML file, checks and upgrades its spec version, and validates it against `schema`.
 * Never throws for anything in the file.
 *
 * @internal
 */
export async function loadDocument<Schema extends z.ZodType>(
  path: string,
  kind: ManifestKind,
  schema: Schema,
  { displayPath = path, maxBytes = MAX_MANIFEST_BYTES, root }: LoadOptions = {},
): Promise<LoadResult<z.output<Schema>>> {
  let document: SourceDocument;
  try {
    document = await readYamlFile(path, {
      displayPath,
      maxBytes,
      ...(root === undefined ? {} : { root }),
    });
  } catch (error) {
    // The YAML library guards depth and aliases itself; this catches whatever slips through
    // (a stack overflow on pathological input, an I/O error mid-read).
    const diagnostic = createDiagnostic({
      file: displayPath,
      code: 'yaml/unreadable',
      message: `the file could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
    });
    document = emptyDocument(displayPath, [diagnostic]);
  }
  return validateLoaded(document, kind, schema);
}

/**
 * Validates an already parsed document: version check, upgrade, schema.
 *
 * @internal
 */
export function validateLoaded<Schema extends z.ZodType>(
  document: SourceDocument,
  kind: ManifestKind,
  schema: Schema,
): LoadResult<z.output<Schema>> {
  if (document.value === undefined) {
    const { diagnostics } = validateDocument(schema, document);
    return { value: undefined, diagnostics, document };
  }
  if (document.value === null) {
    const diagnostic = createDiagnostic({
      file: document.file,
      code: 'schema/empty',
      message: 'document is empty',
    });
    return { value: undefined, diagnostics: [...document.diagnostics, diagnostic], document };
  }
  if (!isRecord(document.value)) {
    const diagnostic = createDiagnostic({
      file: document.file,
      ...document.position([]),
      code: 'schema/invalid-type',
      message: `expected a mapping of fields at the top of the file, found ${describe(document.value)}`,
    });
    return { value: undefined, diagnostics: [...document.diagnostics, diagnostic], document };
  }
  const versionDiagnostics: Diagnostic[] = [];
  let raw: Record<string, unknown> = document.value;
  const declared = raw.karnel_spec_version;
  // Member files may leave the version out: they are read with their group's.
  if (!(kind === 'member' && declared === undefined)) {
    const check = checkSpecVersion(declared);
    const at = {
      file: document.file,
      ...document.position(declared === undefined ? [] : ['karnel_spec_version']),
    };
    switch (check.status) {
      case 'invalid':
        versionDiagnostics.push(
          createDiagnostic({
            ...at,
            code: declared === undefined ? 'spec/missing-version' : 'spec/invalid-version',
            message: check.message!,
            hint:
              typeof declared === 'number'
                ? `quote it: karnel_spec_version: "${declared}"`
                : undefined,
          }),
        );
        // Validate the rest as the current version, so one mistake gives one diagnostic.
        raw = { ...raw, karnel_spec_version: CURRENT_SPEC_VERSION };
        break;
      case 'unknown-major':
        versionDiagnostics.push(
          createDiagnostic({ ...at, code: 'spec/unsupported-version', message: check.message! }),
        );
        return {
          value: undefined,
          diagnostics: [...document.diagnostics, ...versionDiagnostics],
          document,
        };
      case 'newer-minor':
        versionDiagnostics.push(
          createDiagnostic({
            ...at,
            severity: 'warning',
            code: 'spec/newer-version',
            message: check.message!,
          }),
        );
        raw = { ...raw, karnel_spec_version: check.declared };
        break;
      case 'upgradable': {
        const upgraded = upgradeManifest(kind, raw, normaliseVersion(check.declared!));
        if ('error' in upgraded) {
          versionDiagnostics.push(
            createDiagnostic({ ...at, code: 'spec/unsupported-version', message: upgraded.error }),
          );
          return {
            value: undefined,
            diagnostics: [...document.diagnostics, ...versionDiagnostics],
            document,
          };
        }
        for (const note of upgraded.notes) {
          versionDiagnostics.push(
            createDiagnostic({ ...at, severity: 'info', code: 'spec/upgraded', message: note }),
          );
        }
        raw = upgraded.value;
        break;
      }
      default:
        break;
    }
    if (typeof declared === 'number' && check.readable) {
      // YAML reads 0.10 as the number 0.1: an unquoted version is ambiguous, so ask for quotes.
      versionDiagnostics.push(
        createDiagnostic({
          ...at,
          severity: 'warning',
          code: 'spec/unquoted-version',
          message: `the spec version is written as a number; YAML reads 0.10 as 0.1, so write it as a string`,
          hint: `karnel_spec_version: "${declared}"`,
        }),
      );
      if (check.status === 'current') raw = { ...raw, karnel_spec_version: check.declared };
    }
  }
  const upgradedDocument: SourceDocument = { ...document, value: raw, position: document.position };
  let result: { value: z.output<Schema> | undefined; diagnostics: readonly Diagnostic[] };
  try {
    result = validateDocument(schema, upgradedDocument);
  } catch (error) {
    result = {
      value: undefined,
      diagnostics: [
        ...document.diagnostics,
        createDiagnostic({
          file: document.file,
          code: 'schema/unprocessable',
          message: `the file could not be checked: ${error instanceof Error ? error.message : String(error)}`,
        }),
      ],
    };
  }
  // validateDocument puts the document's own diagnostics first; the version ones follow them.
  const parse = result.diagnostics.slice(0, document.diagnostics.length);
  const rest = result.diagnostics.slice(document.diagnostics.length);
  return {
    value: result.value,
    diagnostics: [...parse, ...versionDiagnostics, ...rest],
    document: upgradedDocument,
  };
}

function normaliseVersion(version: string): string {
  const [major, minor] = version.split('.');
  return `${Number(major)}.${Number(minor)}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}
