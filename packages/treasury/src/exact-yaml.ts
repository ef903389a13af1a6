import {
  DEFAULT_MAX_YAML_BYTES,
  emptyDocument,
  parseYaml,
  readTextFileBounded,
  type SourceDocument,
} from '@karnel/core';
import { parseDocument, visit } from 'yaml';

/**
 * Parses YAML like core's `parseYaml`, except that every number keeps the exact text it was
 * written with: `budget_weekly: 50.00` yields the string `"50.00"`, not the float `50`.
 *
 * Money must never pass through a float (`0.1 + 0.2`), and a float also forgets how many
 * decimals were written, which is what tells a cent from a tenth of a cent. Positions and
 * diagnostics are core's, so every later problem still points at the right line.
 */
export function parseExactYaml(text: string, file: string): SourceDocument {
  const base = parseYaml(text, file);
  if (base.value === undefined) return base;
  const document = parseDocument(text, { uniqueKeys: true, strict: true });
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'number' && typeof node.source === 'string')
        node.value = node.source;
      else if (typeof node.value === 'bigint') node.value = String(node.value);
    },
  });
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch {
    return base;
  }
  return { file: base.file, value, diagnostics: base.diagnostics, position: base.position };
}

/**
 * Reads a file with {@link parseExactYaml}; a missing or unreadable file becomes a diagnostic,
 * and so (`file/outside-root`) does, with `root`, a file that a symbolic link leads out of it.
 */
export async function readExactYamlFile(
  path: string,
  {
    displayPath = path,
    maxBytes = DEFAULT_MAX_YAML_BYTES,
    root,
  }: {
    /** The path shown in diagnostics. Default: `path`. */
    displayPath?: string;
    /** Files larger than this are refused unread. Default 4 MiB. */
    maxBytes?: number;
    /** The folder the file must really be inside. Default: none. */
    root?: string;
  } = {},
): Promise<SourceDocument> {
  const text = await readTextFileBounded(
    path,
    displayPath,
    maxBytes,
    root === undefined ? {} : { root },
  );
  if (typeof text !== 'string') return emptyDocument(displayPath, [text]);
  return parseExactYaml(text, displayPath);
}
