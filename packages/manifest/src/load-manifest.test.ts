import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgentManifest, loadGroupManifest, loadMemberFile } from './load-manifest';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..', '..', '..', 'examples', 'newsletter-co');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function agentText(): Promise<string> {
  return readFile(join(example, 'agents', 'writer', 'manifest.yaml'), 'utf8');
}

async function loadAgent(text: string) {
  const path = join(dir, 'manifest.yaml');
  await writeFile(path, text);
  return loadAgentManifest(path, { displayPath: 'a/manifest.yaml' });
}

function lineOf(text: string, snippet: string): number {
  const index = text.indexOf(snippet);
  expect(index).toBeGreaterThanOrEqual(0);
  return text.slice(0, index).split('\n').length;
}

describe('loadAgentManifest', () => {
  it('returns the typed manifest of a valid file, with defaults filled in', async () => {
    const result = await loadAgent(await agentText());
    expect(result.diagnostics).toEqual([]);
    expect(result.value?.agent.id).toBe('agt_01KQPMN410HDQJ4PBMAEZN5SW1');
    expect(result.value?.runtime_requirements.model_class).toBe('fast-general');
    const minimal = (await agentText()).replace(
      /\nconstraints:[\s\S]*?\nruntime_requirements/,
      '\nruntime_requirements',
    );
    const withoutConstraints = await loadAgent(minimal);
    expect(withoutConstraints.diagnostics).toEqual([]);
    expect(withoutConstraints.value?.constraints).toBeUndefined();
  });

  it.each([
    [
      'agent.id',
      'id: "agt_01KQPMN410HDQJ4PBMAEZN5SW1"',
      'id: "agt_01KQPMN410HDQJ4PBMAEZN5SW"',
      'id/invalid',
    ],
    [
      'agent.id prefix',
      'id: "agt_01KQPMN410HDQJ4PBMAEZN5SW1"',
      'id: "grp_01KQPMN410HDQJ4PBMAEZN5SW1"',
      'id/invalid',
    ],
    [
      'created_at',
      'created_at: "2026-05-03T10:03:00Z"',
      'created_at: "2026-02-30T10:03:00Z"',
      'time/invalid',
    ],
    ['owner', 'owner: "did:key:z6Mk', 'owner: "did:web:z6Mk', 'identity/invalid'],
    ['agent_kind', 'agent_kind: "karnel-native"', 'agent_kind: "native"', 'schema/invalid-value'],
    ['model_class', 'model_class: "fast-general"', 'model_class: "gpt-4o"', 'schema/invalid-value'],
    ['name', 'name: "ainfra-writer"', 'name: ""', 'schema/too-small'],
    ['scheduler', 'scheduler: "weekly_cron"', 'scheduler: 7', 'schema/invalid-type'],
  ])('reports a bad %s at its line', async (_name, from, to, code) => {
    const text = (await agentText()).replace(from, to);
    const result = await loadAgent(text);
    expect(result.value).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      file: 'a/manifest.yaml',
      line: lineOf(text, to),
      code,
      severity: 'error',
    });
  });

  it('warns about an unknown field, suggests the known one, and still returns the manifest', async () => {
    const text = (await agentText()).replace('capabilities_declared:', 'capabilites_declared:');
    const result = await loadAgent(text);
    expect(result.diagnostics).toEqual([
      {
        file: 'a/manifest.yaml',
        line: lineOf(text, 'capabilites_declared'),
        column: 1,
        code: 'schema/unknown-field',
        severity: 'warning',
        message: 'unknown field "capabilites_declared"; it is ignored',
        hint: 'did you mean "capabilities_declared"?',
      },
    ]);
    expect(result.value?.capabilities_declared).toEqual([]);
  });

  it('reports a missing required field at the block it belongs in', async () => {
    const text = (await agentText()).replace(/ {2}owner: .*\n/, '');
    const result = await loadAgent(text);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'schema/missing-field',
      message: 'missing required field "agent.owner"',
    });
  });

  it('reports a newer minor version as a warning and an unknown major as the only error', async () => {
    const newer = await loadAgent(
      (await agentText()).replace('karnel_spec_version: "0.2"', 'karnel_spec_version: "0.7"'),
    );
    expect(newer.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.severity])).toEqual([
      ['spec/newer-version', 'warning'],
    ]);
    expect(newer.value?.karnel_spec_version).toBe('0.7');
    const text = (await agentText())
      .replace('karnel_spec_version: "0.2"', 'karnel_spec_version: "1.0"')
      .replace('agent_kind: "karnel-native"', 'agent_kind: "whatever"');
    const major = await loadAgent(text);
    expect(major.diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code])).toEqual([
      [lineOf(text, 'karnel_spec_version'), 'spec/unsupported-version'],
    ]);
    expect(major.value).toBeUndefined();
  });

  it('reports a missing or unquoted version once, and validates the rest', async () => {
    const unquoted = await loadAgent(
      (await agentText()).replace('karnel_spec_version: "0.2"', 'karnel_spec_version: 0.2'),
    );
    expect(
      unquoted.diagnostics.map((diagnostic) => [
        diagnostic.code,
        diagnostic.severity,
        diagnostic.hint,
      ]),
    ).toEqual([['spec/unquoted-version', 'warning', 'karnel_spec_version: "0.2"']]);
    expect(unquoted.value?.karnel_spec_version).toBe('0.2');
    const missing = await loadAgent(
      (await agentText())
        .replace('karnel_spec_version: "0.2"\n', '')
        .replace('model_class: "fast-general"', 'model_class: "fast"'),
    );
    expect(missing.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
      'spec/missing-version',
      'schema/invalid-value',
    ]);
    const bad = await loadAgent(
      (await agentText()).replace('karnel_spec_version: "0.2"', 'karnel_spec_version: "v0.2"'),
    );
    expect(bad.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['spec/invalid-version']);
  });

  it('upgrades a 0.1 agent manifest (no agent_kind, no tier) and says what it assumed', async () => {
    const text = (await agentText())
      .replace('karnel_spec_version: "0.2"', 'karnel_spec_version: "0.1"')
      .replace(/ {2}agent_kind: .*\n/, '')
      .replace(/runtime_requirements:\n {2}model_class: .*\n/, 'runtime_requirements:\n');
    const result = await loadAgent(text);
    expect(result.diagnostics.map((diagnostic) => [diagnostic.severity, diagnostic.code])).toEqual([
      ['info', 'spec/upgraded'],
      ['info', 'spec/upgraded'],
    ]);
    expect(result.value?.karnel_spec_version).toBe('0.2');
    expect(result.value?.agent.agent_kind).toBe('karnel-native');
    expect(result.value?.runtime_requirements.model_class).toBe('fast-general');
  });

  it('reports YAML syntax errors and a non-mapping document without throwing', async () => {
    const syntax = await loadAgent('agent:\n  id: "unterminated\n');
    expect(syntax.value).toBeUndefined();
    expect(syntax.diagnostics.length).toBeGreaterThan(0);
    expect(syntax.diagnostics.every((diagnostic) => diagnostic.code.startsWith('yaml/'))).toBe(
      true,
    );
    const list = await loadAgent('- just\n- a list\n');
    expect(list.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['schema/invalid-type']);
    const empty = await loadAgent('');
    expect(empty.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['schema/empty']);
    const duplicate = await loadAgent(`${await agentText()}purpose: "again"\n`);
    expect(duplicate.diagnostics.map((diagnostic) => diagnostic.code)).toContain(
      'yaml/duplicate-key',
    );
  });

  it('reports a missing file as a diagnostic', async () => {
    const result = await loadAgentManifest(join(dir, 'nope.yaml'), { displayPath: 'nope.yaml' });
    expect(result.diagnostics).toEqual([
      {
        file: 'nope.yaml',
        line: 1,
        column: 1,
        code: 'file/missing',
        severity: 'error',
        message: 'file does not exist',
      },
    ]);
  });
});

describe('loadGroupManifest', () => {
  it('loads the example group', async () => {
    const result = await loadGroupManifest(join(example, 'manifest.yaml'));
    expect(result.diagnostics).toEqual([]);
    expect(result.value?.members).toHaveLength(6);
    const human = result.value?.members.find((member) => member.agent_kind === 'human');
    expect(human).toEqual({
      role: 'human_owner',
      agent_kind: 'human',
      contact: 'owner@example.com',
      escalation_only: true,
    });
    expect(result.value?.constraints?.hard).toContain('never publish without critic approval');
  });

  it('refuses a 0.1 group manifest: groups did not exist before 0.2', async () => {
    const text = (await readFile(join(example, 'manifest.yaml'), 'utf8')).replace('"0.2"', '"0.1"');
    const path = join(dir, 'manifest.yaml');
    await writeFile(path, text);
    const result = await loadGroupManifest(path);
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
      'spec/unsupported-version',
    ]);
  });

  it('names the allowed kinds when agent_kind is unknown', async () => {
    const text = (await readFile(join(example, 'manifest.yaml'), 'utf8')).replace(
      'agent_kind: "human"',
      'agent_kind: "person"',
    );
    const path = join(dir, 'manifest.yaml');
    await writeFile(path, text);
    const result = await loadGroupManifest(path);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      line: lineOf(text, 'agent_kind: "person"'),
      code: 'schema/invalid-union',
    });
    expect(result.diagnostics[0]?.message).toContain('"human"');
  });
});

describe('loadMemberFile', () => {
  it('loads native and foreign member files of the example', async () => {
    const native = await loadMemberFile(join(example, 'members', 'researcher.yaml'));
    expect(native.diagnostics).toEqual([]);
    expect(native.value?.member).toMatchObject({
      role: 'researcher',
      agent_kind: 'karnel-native',
      agent_ref: { location: './agents/researcher/' },
    });
    expect(native.value?.member.membership?.contract?.max_cost_per_run).toBe(0.5);
    const foreign = await loadMemberFile(join(example, 'members', 'specialist_writer.yaml'));
    expect(foreign.diagnostics).toEqual([]);
    expect(
      foreign.value?.member.agent_kind === 'foreign' && foreign.value.member.adapter,
    ).toMatchObject({ type: 'hermes', endpoint: 'http://localhost:7474' });
  });

  it.each([
    ['a negative cost', 'max_cost_per_run: 0.50', 'max_cost_per_run: -1', 'schema/too-small'],
    ['a bad registry id', 'location: "./agents/researcher/"', 'location: "agt_123"', 'id/invalid'],
    [
      'a bad joined_at',
      'joined_at: "2026-05-03T10:05:00Z"',
      'joined_at: "May 3rd"',
      'time/invalid',
    ],
    [
      'a role with spaces',
      'role: "researcher"',
      'role: "lead researcher"',
      'schema/invalid-format',
    ],
  ])('reports %s', async (_name, from, to, code) => {
    const text = (await readFile(join(example, 'members', 'researcher.yaml'), 'utf8')).replace(
      from,
      to,
    );
    const path = join(dir, 'member.yaml');
    await writeFile(path, text);
    const result = await loadMemberFile(path);
    expect(result.diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code])).toEqual([
      [lineOf(text, to), code],
    ]);
  });

  it('requires an endpoint for every adapter type but hermes (its command line)', async () => {
    // The example's adapter, cut to its type and task classes, as a subprocess member.
    const text = (
      await readFile(join(example, 'members', 'specialist_writer.yaml'), 'utf8')
    ).replace(/ {4}type: "hermes"\n(?: {4}.*\n| {6}.*\n)+/, (adapter) =>
      adapter
        .split('\n')
        .filter((line) => /^ {4}(type|task_classes):/.test(line))
        .join('\n')
        .replace('"hermes"', '"subprocess"')
        .concat('\n'),
    );
    expect(text).toContain('    type: "subprocess"\n    task_classes:');
    const path = join(dir, 'member.yaml');
    await writeFile(path, text);
    const result = await loadMemberFile(path);
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
      'adapter/missing-endpoint',
    ]);
  });
});
