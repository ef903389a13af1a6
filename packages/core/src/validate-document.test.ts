import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateKeyPair, publicKeyToDid } from './ed25519';
import { createId } from './ids';
import { identitySchema, idSchema, timestampSchema } from './schemas';
import { parseYaml } from './source-document';
import { formatPath, validateDocument } from './validate-document';

const schema = z.strictObject({
  karnel_spec_version: z.string(),
  agent: z.strictObject({
    id: idSchema('agt'),
    name: z.string().min(1),
    created_at: timestampSchema,
    owner: identitySchema,
    agent_kind: z.enum(['karnel-native', 'foreign']),
  }),
  purpose: z.string().optional(),
  capabilities_declared: z.array(z.string()).optional(),
});

const owner = publicKeyToDid(generateKeyPair().publicKey);
const valid = [
  'karnel_spec_version: "0.2"',
  'agent:',
  `  id: "${createId('agt')}"`,
  '  name: "strategist"',
  '  created_at: "2026-05-03T10:00:00Z"',
  `  owner: "${owner}"`,
  '  agent_kind: "karnel-native"',
  'purpose: "think"',
  '',
].join('\n');

describe('validateDocument', () => {
  it('returns the typed value and no diagnostics for a valid document', () => {
    const result = validateDocument(schema, parseYaml(valid, 'manifest.yaml'));
    expect(result.diagnostics).toEqual([]);
    expect(result.value?.agent.name).toBe('strategist');
  });

  it('turns unknown fields into warnings with a suggestion and keeps the value', () => {
    const text = valid
      .replace('purpose:', 'purpos:')
      .replace('  name:', '  name: "strategist"\n  nmae:');
    const result = validateDocument(schema, parseYaml(text, 'manifest.yaml'));
    expect(result.value).toBeDefined();
    expect(result.diagnostics.map((d) => [d.line, d.severity, d.code, d.hint])).toEqual([
      [5, 'warning', 'schema/unknown-field', 'did you mean "name"?'],
      [9, 'warning', 'schema/unknown-field', 'did you mean "purpose"?'],
    ]);
  });

  it('reports each mistake once, at its own line', () => {
    const text = valid
      .replace(/id: "agt_[^"]+"/, 'id: "grp_01HZX3K0V8Q5T2N7R4M6W9YB1C"')
      .replace('2026-05-03T10:00:00Z', '2026-13-03')
      .replace(owner, 'alice')
      .replace('"karnel-native"', '"karnel-nativ"')
      .replace('  name: "strategist"\n', '');
    const result = validateDocument(schema, parseYaml(text, 'manifest.yaml'));
    expect(result.value).toBeUndefined();
    const byCode = result.diagnostics.map((d) => `${d.line}:${d.code}`).sort();
    expect(byCode).toEqual([
      '2:schema/missing-field',
      '3:id/invalid',
      '4:time/invalid',
      '5:identity/invalid',
      '6:schema/invalid-value',
    ]);
    const kind = result.diagnostics.find((d) => d.code === 'schema/invalid-value');
    expect(kind?.hint).toBe('did you mean "karnel-native"?');
  });

  it('describes wrong types in words', () => {
    const result = validateDocument(
      schema,
      parseYaml(valid.replace('purpose: "think"', 'purpose: [1, 2]'), 'm.yaml'),
    );
    expect(result.diagnostics[0]?.message).toBe('"purpose": expected string, found a list');
  });

  it('reports an empty document', () => {
    expect(validateDocument(schema, parseYaml('', 'empty.yaml')).diagnostics[0]?.code).toBe(
      'schema/empty',
    );
  });

  it('never throws, whatever the input (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const document = parseYaml(JSON.stringify(value), 'random.json');
        const result = validateDocument(schema, document);
        return result.value !== undefined || result.diagnostics.length > 0;
      }),
      { numRuns: 300 },
    );
  });

  it('formats paths for people', () => {
    expect(formatPath(['members', 2, 'agent_ref', 'location'])).toBe(
      'members[2].agent_ref.location',
    );
  });
});
