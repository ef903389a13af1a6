import { z } from 'zod';
import { agentManifestSchema } from './agent-manifest-schema';
import { groupManifestSchema } from './group-manifest-schema';
import { memberFileSchema } from './member-file-schema';

/** A JSON Schema document, as produced by {@link exportJsonSchemas}. */
export type JsonSchema = Record<string, unknown>;

/** The file names under `spec/schemas/`, by the zod schema each is generated from. */
export const JSON_SCHEMA_FILES = {
  /** From {@link agentManifestSchema}: an agent's `manifest.yaml`. */
  agentManifest: 'agent-manifest.schema.json',
  /** From {@link groupManifestSchema}: a group's `manifest.yaml`. */
  groupManifest: 'group-manifest.schema.json',
  /** From {@link memberFileSchema}: a group's `members/*.yaml`. */
  memberFile: 'member.schema.json',
} as const;

/** The base URL the schemas' `$id`s live under (the repository's `spec/schemas/`). */
export const JSON_SCHEMA_BASE_URL =
  'https://raw.githubusercontent.com/karnel-dev/karnel/main/spec/schemas/';

/**
 * Generates JSON Schemas (draft-07, which editors' YAML support understands best) from the zod
 * schemas, keyed by file name. Input shapes are described (`io: 'input'`), so fields with
 * defaults are optional, as they are for authors.
 *
 * The JSON Schemas describe structure for editors; some rules only the validator checks (ULID
 * checksums, calendar dates, references across files).
 */
export function exportJsonSchemas(): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {};
  const sources = {
    agentManifest: agentManifestSchema,
    groupManifest: groupManifestSchema,
    memberFile: memberFileSchema,
  };
  for (const [key, schema] of Object.entries(sources) as [keyof typeof sources, z.ZodType][]) {
    const file = JSON_SCHEMA_FILES[key];
    const generated = z.toJSONSchema(schema, {
      target: 'draft-7',
      io: 'input',
      unrepresentable: 'any',
    }) as JsonSchema;
    const { $schema, ...rest } = generated;
    schemas[file] = { $schema, $id: `${JSON_SCHEMA_BASE_URL}${file}`, ...rest };
  }
  return schemas;
}
