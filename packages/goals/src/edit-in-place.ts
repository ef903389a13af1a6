import type { DocumentPath } from '@karnel/core';
import {
  type Document,
  isMap,
  isScalar,
  type Node,
  type Pair,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from 'yaml';

/** A change to one field of a mapping: set it to a string, or remove it. */
export interface FieldEdit {
  /** The field's key. */
  readonly key: string;
  /** The new value, or `undefined` to remove the field. */
  readonly value: string | undefined;
  /** Where to insert a missing field: after the first of these keys present. */
  readonly after?: readonly string[];
}

/**
 * Applies field edits to the mapping at `path` of a YAML text by splicing the text itself, so
 * every other byte (comments, alignment, flow lists, quoting) stays as the user wrote it.
 * Falls back to re-printing the document through the `yaml` library (comments kept, spacing
 * normalised) when the mapping is not a plain block mapping or the splice would not parse back
 * to the intended value.
 */
export function editMappingText(
  text: string,
  path: DocumentPath,
  edits: readonly FieldEdit[],
): string {
  const spliced = trySplice(text, path, edits);
  if (spliced !== undefined && parsesTo(spliced, text, path, edits)) return spliced;
  const document = parseDocument(text);
  const map = document.getIn(path, true);
  if (!isMap(map)) throw new Error('edit target is not a mapping');
  for (const edit of edits) applyToMap(document, map, edit);
  return document.toString({ lineWidth: 0 });
}

function trySplice(
  text: string,
  path: DocumentPath,
  edits: readonly FieldEdit[],
): string | undefined {
  let current = text;
  for (const edit of edits) {
    const document = parseDocument(current);
    const map = document.getIn(path, true);
    if (!isMap(map) || map.flow) return undefined;
    const pair = findPair(map, edit.key);
    if (pair) {
      const value = pair.value as Node | null;
      if (edit.value === undefined) {
        const keyStart = rangeOf(pair.key)?.[0];
        const valueEnd = rangeOf(value)?.[1] ?? rangeOf(pair.key)?.[1];
        if (keyStart === undefined || valueEnd === undefined) return undefined;
        const lineStart = current.lastIndexOf('\n', keyStart - 1) + 1;
        if (current.slice(lineStart, keyStart).trim() !== '') return undefined;
        const lineEnd = endOfLine(current, valueEnd);
        current = current.slice(0, lineStart) + current.slice(lineEnd);
        continue;
      }
      if (!isScalar(value) || !value.range) return undefined;
      current =
        current.slice(0, value.range[0]) +
        render(edit.value, value.type) +
        current.slice(value.range[1]);
      continue;
    }
    if (edit.value === undefined) continue;
    const anchor = (edit.after ?? [])
      .map((key) => findPair(map, key))
      .find((candidate) => candidate !== undefined);
    const last = anchor ?? map.items.at(-1);
    const keyRange = rangeOf(last?.key);
    if (!last || !keyRange) return undefined;
    const lineStart = current.lastIndexOf('\n', keyRange[0] - 1) + 1;
    const prefix = current.slice(lineStart, keyRange[0]);
    // The first key of a list item sits after "- ": the new line aligns with it.
    if (!/^[ -]*$/.test(prefix)) return undefined;
    const indent = ' '.repeat(prefix.length);
    const valueRange = rangeOf(last.value as Node | null);
    if (valueRange && !isScalar(last.value)) return undefined;
    const end = valueRange ? valueRange[1] : keyRange[1];
    const insertAt = endOfLine(current, end);
    const newline = current.slice(0, insertAt).endsWith('\n') ? '' : '\n';
    current = `${current.slice(0, insertAt)}${newline}${indent}${edit.key}: ${render(edit.value, undefined)}\n${current.slice(insertAt)}`;
  }
  return current;
}

function parsesTo(
  candidate: string,
  original: string,
  path: DocumentPath,
  edits: readonly FieldEdit[],
): boolean {
  const after = parseDocument(candidate);
  if (after.errors.length > 0) return false;
  const expected = parseDocument(original);
  const map = expected.getIn(path, true);
  if (!isMap(map)) return false;
  for (const edit of edits) applyToMap(expected, map, edit);
  return JSON.stringify(after.toJS()) === JSON.stringify(expected.toJS());
}

function applyToMap(document: Document, map: YAMLMap, edit: FieldEdit): void {
  if (edit.value === undefined) {
    map.delete(edit.key);
    return;
  }
  const existing = map.get(edit.key, true);
  if (isScalar(existing)) {
    existing.value = edit.value;
    return;
  }
  const keys = map.items.map((pair) =>
    isScalar(pair.key) ? String(pair.key.value) : String(pair.key),
  );
  const anchorIndex = (edit.after ?? [])
    .map((key) => keys.indexOf(key))
    .find((index) => index >= 0);
  const index = anchorIndex === undefined ? map.items.length : anchorIndex + 1;
  map.items.splice(index, 0, document.createPair(edit.key, edit.value));
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find(
    (pair) => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key)) === key,
  ) as Pair | undefined;
}

function rangeOf(node: unknown): [number, number, number] | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return Array.isArray(range) ? range : undefined;
}

function endOfLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}

function render(value: string, type: Scalar.Type | undefined): string {
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  const plain =
    /^[A-Za-z_][A-Za-z0-9_.\- ]*$/.test(value) &&
    !/^(true|false|null|yes|no|on|off|~)$/i.test(value) &&
    !value.endsWith(' ');
  return plain ? value : JSON.stringify(value);
}
