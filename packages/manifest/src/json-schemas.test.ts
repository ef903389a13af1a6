import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportJsonSchemas, JSON_SCHEMA_FILES } from './json-schemas';

const here = dirname(fileURLToPath(import.meta.url));
const schemasDir = join(here, '..', '..', '..', 'spec', 'schemas');
const example = join(here, '..', '..', '..', 'examples', 'newsletter-co');
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function compile(schema: Record<string, unknown>) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('exportJsonSchemas', () => {
  it('matches the committed spec/schemas files (run `pnpm --filter @karnel/manifest generate:schemas` after changing a schema)', async () => {
    const generated = exportJsonSchemas();
    const committed = (await readdir(schemasDir))
      .filter((name) => Object.values(JSON_SCHEMA_FILES).includes(name as never))
      .sort();
    expect(committed).toEqual(Object.keys(generated).sort());
    for (const [file, schema] of Object.entries(generated)) {
      const text = await readFile(join(schemasDir, file), 'utf8');
      expect(text, `spec/schemas/${file} is stale`).toBe(`${JSON.stringify(schema, null, 2)}\n`);
    }
  });

  it('gives editors schemas that accept every manifest and member file of the example', async () => {
    const schemas = exportJsonSchemas();
    const agent = compile(schemas[JSON_SCHEMA_FILES.agentManifest]!);
    const group = compile(schemas[JSON_SCHEMA_FILES.groupManifest]!);
    const member = compile(schemas[JSON_SCHEMA_FILES.memberFile]!);
    const read = async (path: string) => parse(await readFile(join(example, path), 'utf8'));
    expect(group(await read('manifest.yaml')), JSON.stringify(group.errors)).toBe(true);
    for (const name of await readdir(join(example, 'members'))) {
      expect(
        member(await read(`members/${name}`)),
        `${name}: ${JSON.stringify(member.errors)}`,
      ).toBe(true);
    }
    for (const name of await readdir(join(example, 'agents'))) {
      expect(
        agent(await read(`agents/${name}/manifest.yaml`)),
        `${name}: ${JSON.stringify(agent.errors)}`,
      ).toBe(true);
    }
  });

  it('gives editors schemas that flag wrong prefixes, unknown tiers, unknown fields and missing fields', async () => {
    const schemas = exportJsonSchemas();
    const agent = compile(schemas[JSON_SCHEMA_FILES.agentManifest]!);
    const valid = parse(await readFile(join(example, 'agents', 'writer', 'manifest.yaml'), 'utf8'));
    // biome-ignore lint/suspicious/noExplicitAny: a parsed manifest mutated freely for the test
    type Loose = Record<string, any>;
    const mutate = (change: (value: Loose) => void) => {
      const copy = structuredClone(valid);
      change(copy);
      return copy;
    };
    expect(agent(mutate((value) => (value.agent.id = 'grp_01KQPMN410HDQJ4PBMAEZN5SW1')))).toBe(
      false,
    );
    expect(agent(mutate((value) => (value.runtime_requirements.model_class = 'gpt-5')))).toBe(
      false,
    );
    expect(agent(mutate((value) => (value.purpos = 'typo')))).toBe(false);
    expect(agent(mutate((value) => delete value.agent.owner))).toBe(false);
    expect(agent(mutate((value) => (value.agent.created_at = 'yesterday')))).toBe(false);
    expect(agent(valid)).toBe(true);
  });

  it('documents every property, so editors can show help on hover', () => {
    const undocumented: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (record.properties && typeof record.properties === 'object') {
        for (const [key, child] of Object.entries(
          record.properties as Record<string, Record<string, unknown>>,
        )) {
          const described =
            child.description !== undefined ||
            child.title !== undefined ||
            child.$ref !== undefined;
          const union = Array.isArray(child.oneOf) || Array.isArray(child.anyOf);
          if (!described && !union) undocumented.push(`${path}.${key}`);
          visit(child, `${path}.${key}`);
        }
      }
      for (const key of ['oneOf', 'anyOf', 'allOf', 'items'] as const) {
        const value = record[key];
        if (Array.isArray(value))
          value.forEach((item, index) => {
            visit(item, `${path}.${key}[${index}]`);
          });
        else if (value) visit(value, `${path}.${key}`);
      }
    };
    for (const [file, schema] of Object.entries(exportJsonSchemas())) visit(schema, file);
    expect(undocumented).toEqual([]);
  });
});
