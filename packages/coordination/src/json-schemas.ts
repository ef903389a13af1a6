import { z } from 'zod';
import { messageSchema } from './message-schema';
import { protocolSchema } from './protocol-schema';

/** A JSON Schema document, as produced by {@link exportCoordinationJsonSchemas}. */
export type CoordinationJsonSchema = Record<string, unknown>;

/** The file names under `spec/schemas/`, by the zod schema each is generated from. */
export const COORDINATION_JSON_SCHEMA_FILES = {
  /** From {@link protocolSchema}: `coordination/protocol.yaml`. */
  protocol: 'coordination-protocol.schema.json',
  /** From {@link messageSchema}: one structured message (Annex C). */
  message: 'message.schema.json',
} as const;

const baseUrl = 'https://raw.githubusercontent.com/karnel-dev/karnel/main/spec/schemas/';

/**
 * Generates JSON Schemas (draft-07, for editors' YAML and JSON support) of the protocol file
 * and of messages, keyed by file name. They describe structure; rules across files (roles that
 * must be members) and the id and timestamp checks are the validator's.
 */
export function exportCoordinationJsonSchemas(): Record<string, CoordinationJsonSchema> {
  const sources = {
    protocol: protocolSchema.meta({
      title: 'Karnel coordination protocol',
      description:
        'coordination/protocol.yaml: how the members of a group work together (Annex C).',
    }),
    message: messageSchema.meta({
      title: 'Karnel structured message',
      description: 'One message between members of a group (Annex C).',
    }),
  };
  const schemas: Record<string, CoordinationJsonSchema> = {};
  for (const [key, schema] of Object.entries(sources) as [keyof typeof sources, z.ZodType][]) {
    const file = COORDINATION_JSON_SCHEMA_FILES[key];
    const { $schema, ...rest } = z.toJSONSchema(schema, {
      target: 'draft-7',
      io: 'input',
      unrepresentable: 'any',
    }) as CoordinationJsonSchema;
    schemas[file] = { $schema, $id: `${baseUrl}${file}`, ...rest };
  }
  return schemas;
}
