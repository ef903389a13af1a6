import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '@karnel/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateDirectory } from './validate-directory';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..', '..', '..', 'examples', 'newsletter-co');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A random edit of a parsed document: delete, replace, rename or add at a random path. */
type Mutation =
  | { kind: 'delete'; pick: number }
  | { kind: 'replace'; pick: number; value: unknown }
  | { kind: 'rename'; pick: number; name: string }
  | { kind: 'add'; pick: number; name: string; value: unknown };

const anyValue = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.constantFrom(
    '',
    '..',
    '../..',
    '/etc/passwd',
    'agt_',
    'agt_01KQPMN410HDQJ4PBMAEZN5SW1',
    'grp_01KQPMFM80CKMS9ESEA4N62D4F',
    'human',
    'foreign',
    'karnel-native',
    '0.2',
    '9.9',
    '0.1',
    '__proto__',
    'constructor',
  ),
  fc.constantFrom(0, -1, 0.1, Number.MAX_SAFE_INTEGER, true, null),
);
const fieldName = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'role',
    'agent_ref',
    'agent_kind',
    'escalation_only',
    'contact',
    'components',
    'members',
    'location',
    '__proto__',
    'constructor',
  ),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: anyValue }),
  fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), name: fieldName }),
  fc.record({
    kind: fc.constant('add' as const),
    pick: fc.nat(),
    name: fieldName,
    value: anyValue,
  }),
);

/** Every path to a value inside `value`, parents before children. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const result: (string | number)[][] = [prefix];
  if (Array.isArray(value))
    value.forEach((item, index) => {
      result.push(...paths(item, [...prefix, index]));
    });
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) result.push(...paths(item, [...prefix, key]));
  }
  return result;
}

function apply(document: Json, edit: Mutation): unknown {
  const root = structuredClone(document) as Record<string, unknown>;
  const all = paths(root).slice(1);
  if (all.length === 0) return root;
  const path = all[edit.pick % all.length]!;
  const parent = path
    .slice(0, -1)
    .reduce<unknown>(
      (node, key) => (node as Record<string | number, unknown>)[key],
      root,
    ) as Record<string | number, unknown>;
  const key = path.at(-1)!;
  switch (edit.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'replace':
      parent[key] = edit.value;
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        const value = parent[key];
        delete parent[key];
        Object.defineProperty(parent, edit.name, {
          value,
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      break;
    case 'add': {
      const target = parent[key];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        Object.defineProperty(target, edit.name, {
          value: edit.value,
          enumerable: true,
          configurable: true,
          writable: true,
        });
      } else if (Array.isArray(target)) target.push(edit.value);
      break;
    }
  }
  return root;
}

function serialise(value: unknown): string {
  try {
    return stringify(value, { aliasDuplicateObjects: false }) ?? '';
  } catch {
    return JSON.stringify(value) ?? 'null';
  }
}

function expectWellFormed(diagnostics: readonly Diagnostic[]): void {
  for (const diagnostic of diagnostics) {
    expect(typeof diagnostic.file).toBe('string');
    expect(diagnostic.line).toBeGreaterThanOrEqual(1);
    expect(diagnostic.column).toBeGreaterThanOrEqual(1);
    expect(diagnostic.code).toMatch(/^[a-z]+\/[a-z-]+$/);
    expect(['error', 'warning', 'info']).toContain(diagnostic.severity);
    expect(diagnostic.message.length).toBeGreaterThan(0);
  }
}

let root: string;
let group: string;
const originals: Record<string, string> = {};
const files = [
  'manifest.yaml',
  'members/researcher.yaml',
  'members/specialist_writer.yaml',
  'agents/writer/manifest.yaml',
];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'karnel-'));
  group = join(root, 'group');
  await cp(example, group, { recursive: true });
  for (const file of files) originals[file] = await readFile(join(group, file), 'utf8');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the validator never throws', () => {
  it('on mutated manifests and member files of a real group', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (file, edits) => {
          const mutated = edits.reduce<unknown>(
            (value, edit) => apply(value as Json, edit),
            parse(originals[file]!) as Json,
          );
          await writeFile(join(group, file), serialise(mutated));
          try {
            const result = await validateDirectory(group, { displayPath: 'g' });
            expectWellFormed(result.diagnostics);
            expect(result.valid).toBe(
              !result.diagnostics.some((diagnostic) => diagnostic.severity === 'error'),
            );
          } finally {
            await writeFile(join(group, file), originals[file]!);
          }
        },
      ),
      // Each run validates the whole group (members, adapters, cadences): 80 runs keep this
      // well inside the time limit on a loaded CI machine.
      { numRuns: 80 },
    );
  }, 180_000);

  it('on random documents in place of a manifest', async () => {
    const dir = join(root, 'random');
    await cp(join(example, 'agents', 'critic'), dir, { recursive: true });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything().map(serialise),
          fc.string({ maxLength: 300 }),
          fc
            .record({ agent: fc.anything({ maxDepth: 2 }), karnel_spec_version: anyValue })
            .map(serialise),
          fc
            .record({
              group: fc.anything({ maxDepth: 2 }),
              members: fc.array(fc.dictionary(fieldName, anyValue)),
            })
            .map(serialise),
        ),
        async (text) => {
          await writeFile(join(dir, 'manifest.yaml'), text);
          const result = await validateDirectory(dir, { displayPath: 'r' });
          expectWellFormed(result.diagnostics);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('on random bytes in YAML syntax positions of a real manifest', async () => {
    const dir = join(root, 'bytes');
    await cp(join(example, 'agents', 'critic'), dir, { recursive: true });
    const original = await readFile(join(dir, 'manifest.yaml'), 'utf8');
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: original.length }),
        fc.string({
          minLength: 1,
          maxLength: 5,
          unit: fc.constantFrom(
            ':',
            '-',
            '&',
            '*',
            '!',
            '|',
            '>',
            '"',
            "'",
            '#',
            '\n',
            ' ',
            '[',
            '{',
            '%',
            '@',
            '\t',
          ),
        }),
        async (at, insert) => {
          await writeFile(
            join(dir, 'manifest.yaml'),
            original.slice(0, at) + insert + original.slice(at),
          );
          const result = await validateDirectory(dir, { displayPath: 'b' });
          expectWellFormed(result.diagnostics);
        },
      ),
      { numRuns: 200 },
    );
  });
});
