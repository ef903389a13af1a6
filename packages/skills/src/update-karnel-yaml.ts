import { join } from 'node:path';
import {
  DEFAULT_MAX_YAML_BYTES,
  hasErrors,
  parseYaml,
  readTextFileBounded,
  ValidationError,
  withFileLock,
  writeFileAtomic,
} from '@karnel/core';
import { type Document, parseDocument } from 'yaml';

/**
 * Edits a skill's `karnel.yaml` in place under a cross-process lock and writes it atomically,
 * keeping the user's comments, key order and formatting. A missing file is created with
 * `karnel_skill_version: "0.2"`.
 *
 * Throws `ValidationError` (with positioned diagnostics) when the existing file is not
 * valid YAML: overwriting it would destroy what the user wrote.
 *
 * @param dir - The skill folder.
 * @param edit - Changes the document; runs while the lock is held. Returns whether it changed
 *   anything; on `false` the file is left as it was.
 * @returns The file's new content as plain data.
 */
export async function updateKarnelYaml(
  dir: string,
  edit: (document: Document) => boolean,
): Promise<Record<string, unknown>> {
  const path = join(dir, 'karnel.yaml');
  return withFileLock(join(dir, '.karnel.yaml.lock'), async () => {
    const text = await readTextFileBounded(path, path, DEFAULT_MAX_YAML_BYTES);
    let document: Document;
    if (typeof text === 'string') {
      const parsed = parseYaml(text, path);
      if (hasErrors(parsed.diagnostics)) {
        throw new ValidationError({
          diagnostics: parsed.diagnostics,
          message: `Cannot update ${path}: it is not valid YAML; fix it first`,
        });
      }
      const value = parsed.value;
      if (
        value !== undefined &&
        value !== null &&
        (typeof value !== 'object' || Array.isArray(value))
      ) {
        throw new ValidationError({
          diagnostics: parsed.diagnostics,
          message: `Cannot update ${path}: its top level is not a mapping`,
        });
      }
      document = parseDocument(text);
      if (value === undefined || value === null) document = parseDocument('');
    } else if (text.code === 'file/missing') {
      document = parseDocument('');
    } else {
      throw new ValidationError({ diagnostics: [text] });
    }
    if (document.contents === null)
      document.contents = document.createNode({}) as Document['contents'];
    if (!document.has('karnel_skill_version')) {
      const version = document.createPair('karnel_skill_version', '0.2');
      (document.contents as unknown as { items: unknown[] }).items.unshift(version);
    }
    if (edit(document) === false) return document.toJS() as Record<string, unknown>;
    await writeFileAtomic(path, document.toString({ flowCollectionPadding: false }));
    return document.toJS() as Record<string, unknown>;
  });
}
