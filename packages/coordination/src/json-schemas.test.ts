import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COORDINATION_JSON_SCHEMA_FILES, exportCoordinationJsonSchemas } from './json-schemas';

const schemas = fileURLToPath(new URL('../../../spec/schemas/', import.meta.url));

describe('exportCoordinationJsonSchemas', () => {
  it('matches the files committed under spec/schemas (run `pnpm generate:schemas` after a change)', async () => {
    const generated = exportCoordinationJsonSchemas();
    expect(Object.keys(generated).sort()).toEqual(
      Object.values(COORDINATION_JSON_SCHEMA_FILES).sort(),
    );
    for (const [file, schema] of Object.entries(generated)) {
      expect(JSON.parse(await readFile(`${schemas}${file}`, 'utf8'))).toEqual(schema);
    }
  });

  it('describes the four coordination types and the six message types', () => {
    const generated = exportCoordinationJsonSchemas();
    const protocol = generated[COORDINATION_JSON_SCHEMA_FILES.protocol] as {
      properties: { coordination_type: { enum: string[] } };
      required: string[];
    };
    expect(protocol.properties.coordination_type.enum).toEqual([
      'hierarchical',
      'flat',
      'network',
      'custom',
    ]);
    expect(protocol.required).toEqual(['coordination_type']);
    const message = generated[COORDINATION_JSON_SCHEMA_FILES.message] as {
      oneOf?: unknown[];
      anyOf?: unknown[];
    };
    expect((message.oneOf ?? message.anyOf)?.length).toBe(6);
  });
});
