import { fstatSync } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { createDiagnostic, type Diagnostic } from './diagnostic';
import { OutsideRootError, openInside } from './read-inside';

/** A 1-based position in a text file. */
export interface SourcePosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** A path into a parsed document: object keys and array indexes. */
export type DocumentPath = readonly (string | number)[];

/**
 * A YAML (or JSON) file parsed with its source positions kept, so that every later problem can
 * be reported at the line and column where it is.
 */
export interface SourceDocument {
  /** The file path used in diagnostics. */
  readonly file: string;
  /** The parsed value; `undefined` when the text could not be parsed. */
  readonly value: unknown;
  /** Problems found while reading and parsing (syntax, duplicate keys, alias limits, size). */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Where the value at `path` starts in the file. When the path does not exist, returns the
   * position of its deepest existing ancestor (the object a missing field belongs in).
   *
   * @param options.key - For an object member, point at its key rather than its value.
   */
  position(path: DocumentPath, options?: { key?: boolean }): SourcePosition;
}

/** Options of {@link parseYaml} and {@link readYamlFile}. */
export interface ParseYamlOptions {
  /**
   * How many alias expansions a document may contain before it is refused as a resource
   * exhaustion attack ("billion laughs"). Default 100.
   */
  maxAliasCount?: number;
}

/** Options of {@link readYamlFile}. */
export interface ReadYamlFileOptions extends ParseYamlOptions {
  /** The path to show in diagnostics. Default: `path` as given. */
  displayPath?: string;
  /**
   * Files larger than this are refused before being read, so a huge file costs neither time
   * nor memory. Default 4 MiB — far above any hand-written manifest.
   */
  maxBytes?: number;
  /**
   * The folder the file must really be inside (a group's root). With it, a file whose real
   * location is elsewhere — through a symbolic link of its own or of a folder on the way — is
   * refused with the diagnostic `file/outside-root` instead of being read (see
   * {@link openInside}). Default: none, links are followed wherever they lead.
   */
  root?: string;
}

/** Options of {@link readTextFileBounded}. */
export interface ReadTextFileOptions {
  /** The folder the file must really be inside; see {@link ReadYamlFileOptions.root}. */
  readonly root?: string;
}

/** The default size bound of {@link readYamlFile}: 4 MiB. */
export const DEFAULT_MAX_YAML_BYTES = 4 * 1024 * 1024;

/**
 * Parses YAML 1.2 (and therefore JSON) text, keeping positions. Never throws for bad input:
 * syntax errors, duplicate keys, multiple documents and alias bombs become diagnostics.
 */
export function parseYaml(
  text: string,
  file: string,
  { maxAliasCount = 100 }: ParseYamlOptions = {},
): SourceDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
  });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  for (const error of document.errors) {
    diagnostics.push(
      createDiagnostic({
        file,
        ...at(error.pos[0]),
        code: `yaml/${error.code.toLowerCase().replace(/_/g, '-')}`,
        message: firstLine(error.message),
      }),
    );
  }
  for (const warning of document.warnings) {
    diagnostics.push(
      createDiagnostic({
        file,
        ...at(warning.pos[0]),
        severity: 'warning',
        code: `yaml/${warning.code.toLowerCase().replace(/_/g, '-')}`,
        message: firstLine(warning.message),
      }),
    );
  }
  let value: unknown;
  if (document.errors.length === 0) {
    try {
      value = document.toJS({ maxAliasCount });
    } catch (error) {
      diagnostics.push(
        createDiagnostic({
          file,
          code: 'yaml/alias-limit',
          message: `aliases expand past the limit of ${maxAliasCount}; refusing the document (${firstLine(String((error as Error).message))})`,
        }),
      );
    }
  }
  return {
    file,
    value,
    diagnostics,
    position(path, options = {}) {
      let node: unknown = document.contents;
      let offset = 0;
      // Where the key of the innermost member reached so far starts: a missing field is reported
      // there ("agent:" for a missing agent.name), which reads better than the map's first line.
      let keyOffset: number | undefined;
      if (isNodeWithRange(node)) offset = node.range[0];
      for (let index = 0; index < path.length; index++) {
        const segment = path[index];
        if (isMap(node)) {
          const pair = node.items.find(
            (item) => isPair(item) && scalarKey(item.key) === String(segment),
          );
          if (!pair) return at(keyOffset ?? offset);
          const last = index === path.length - 1;
          if (last && options.key && isNodeWithRange(pair.key)) return at(pair.key.range[0]);
          keyOffset = isNodeWithRange(pair.key) ? pair.key.range[0] : undefined;
          node = pair.value;
          if (isNodeWithRange(node)) offset = node.range[0];
          else if (keyOffset !== undefined) offset = keyOffset;
        } else if (isSeq(node) && typeof segment === 'number') {
          const item = node.items[segment];
          if (item === undefined) return at(keyOffset ?? offset);
          node = item;
          keyOffset = undefined;
          if (isNodeWithRange(node)) offset = node.range[0];
        } else {
          return at(keyOffset ?? offset);
        }
      }
      return at(offset);
    },
  };
}

/**
 * Reads and parses a YAML or JSON file, with the protections a validator needs against hostile
 * input: a size bound checked before reading, a refusal of anything that is not a regular file,
 * and {@link parseYaml}'s alias limit. Never throws for a missing or unreadable file: it returns
 * a document with a diagnostic.
 */
export async function readYamlFile(
  path: string,
  options: ReadYamlFileOptions = {},
): Promise<SourceDocument> {
  const { displayPath = path, maxBytes = DEFAULT_MAX_YAML_BYTES, root } = options;
  const text = await readTextFileBounded(
    path,
    displayPath,
    maxBytes,
    root === undefined ? {} : { root },
  );
  if (typeof text !== 'string') return emptyDocument(displayPath, [text]);
  return parseYaml(text, displayPath, options);
}

/**
 * Reads a UTF-8 text file of at most `maxBytes`, or returns the diagnostic explaining why it
 * could not be read (missing, not a file, too large, not UTF-8, or — with `options.root` —
 * `file/outside-root`: its real location is outside that folder).
 */
export async function readTextFileBounded(
  path: string,
  displayPath: string,
  maxBytes: number,
  options: ReadTextFileOptions = {},
): Promise<string | Diagnostic> {
  let handle: FileHandle;
  let size: number;
  if (options.root !== undefined) {
    // Opened first and checked after: the checks are about the file that is read.
    try {
      handle = await openInside(options.root, path);
    } catch (error) {
      if (OutsideRootError.isInstance(error))
        return createDiagnostic({
          file: displayPath,
          code: 'file/outside-root',
          message: error.message,
        });
      return accessDiagnostic(displayPath, error);
    }
    try {
      // Synchronous: microseconds, where a thread-pool round trip costs more.
      const info = fstatSync(handle.fd);
      if (!info.isFile()) {
        await handle.close();
        return notAFile(displayPath);
      }
      size = info.size;
    } catch (error) {
      await handle.close();
      return accessDiagnostic(displayPath, error);
    }
  } else {
    try {
      const info = await stat(path);
      if (!info.isFile()) return notAFile(displayPath);
      size = info.size;
    } catch (error) {
      return accessDiagnostic(displayPath, error);
    }
    if (size > maxBytes) return tooLarge(displayPath, size, maxBytes);
    try {
      handle = await open(path, 'r');
    } catch (error) {
      // stat needs only the folder's permission; opening needs the file's own (EACCES).
      return accessDiagnostic(displayPath, error);
    }
  }
  try {
    if (size > maxBytes) return tooLarge(displayPath, size, maxBytes);
    // Read at most maxBytes + 1, in case the file grew after stat.
    const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) {
      return createDiagnostic({
        file: displayPath,
        code: 'file/too-large',
        message: `file grew past the limit of ${formatBytes(maxBytes)} while being read`,
      });
    }
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
        buffer.subarray(0, bytesRead),
      );
    } catch {
      return createDiagnostic({
        file: displayPath,
        code: 'file/not-utf8',
        message: 'file is not valid UTF-8 text',
      });
    }
  } finally {
    await handle.close();
  }
}

function notAFile(displayPath: string): Diagnostic {
  return createDiagnostic({
    file: displayPath,
    code: 'file/not-a-file',
    message: 'expected a regular file',
  });
}

function tooLarge(displayPath: string, size: number, maxBytes: number): Diagnostic {
  return createDiagnostic({
    file: displayPath,
    code: 'file/too-large',
    message: `file is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)}; refusing to read it`,
  });
}

/** A document with no value and the given diagnostics; positions all point at 1:1. */
export function emptyDocument(file: string, diagnostics: readonly Diagnostic[]): SourceDocument {
  return { file, value: undefined, diagnostics, position: () => ({ line: 1, column: 1 }) };
}

function isNodeWithRange(node: unknown): node is Node & { range: [number, number, number] } {
  return (
    node != null && typeof node === 'object' && Array.isArray((node as { range?: unknown }).range)
  );
}

function scalarKey(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** The diagnostic for a file that cannot be reached: missing, or refused (EACCES and the rest). */
function accessDiagnostic(displayPath: string, error: unknown): Diagnostic {
  const code = (error as NodeJS.ErrnoException).code;
  return createDiagnostic({
    file: displayPath,
    code: code === 'ENOENT' ? 'file/missing' : 'file/unreadable',
    message: code === 'ENOENT' ? 'file does not exist' : `cannot read file (${code})`,
  });
}
