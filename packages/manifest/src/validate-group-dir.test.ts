import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateGroupDir } from './validate-group-dir';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..', '..', '..', 'examples', 'newsletter-co');
const brokenGroup = join(here, '..', 'test', 'fixtures', 'broken-group');

/** Every `# mistake: <code>` marker in the fixture: the diagnostics the validator must give. */
async function expectedMistakes(root: string, display: string): Promise<string[]> {
  const markers: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.yaml')) {
        const lines = (await readFile(path, 'utf8')).split('\n');
        lines.forEach((line, index) => {
          const match = /# mistake: (\S+)/.exec(line);
          if (match)
            markers.push(`${join(display, relative(root, path))}:${index + 1} ${match[1]}`);
        });
      }
    }
  };
  await walk(root);
  return markers.sort();
}

/** The 1-based line of the first occurrence of `snippet` in `text`. */
function lineOf(text: string, snippet: string): number {
  const index = text.indexOf(snippet);
  expect(index).toBeGreaterThanOrEqual(0);
  return text.slice(0, index).split('\n').length;
}

describe('validateGroupDir', () => {
  it('accepts the newsletter-co example with no diagnostic at all', async () => {
    const result = await validateGroupDir(example, { displayPath: 'examples/newsletter-co' });
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.manifest?.group.name).toBe('ainfra-newsletter-co');
    expect(result.roles).toEqual([
      'strategist',
      'researcher',
      'writer',
      'critic',
      'specialist_writer',
      'human_owner',
    ]);
    expect(result.agents.map((agent) => agent.displayPath)).toEqual([
      'examples/newsletter-co/agents/strategist',
      'examples/newsletter-co/agents/researcher',
      'examples/newsletter-co/agents/writer',
      'examples/newsletter-co/agents/critic',
    ]);
    expect(
      result.agents.every(
        (agent) => agent.valid && agent.manifest?.agent.agent_kind === 'karnel-native',
      ),
    ).toBe(true);
    const kinds = Object.fromEntries(result.members.map((member) => [member.role, member.kind]));
    expect(kinds).toEqual({
      strategist: 'karnel-native',
      researcher: 'karnel-native',
      writer: 'karnel-native',
      critic: 'karnel-native',
      specialist_writer: 'foreign',
      human_owner: 'human',
    });
    const foreign = result.members.find((member) => member.role === 'specialist_writer');
    expect(foreign?.member?.agent_kind === 'foreign' && foreign.member.adapter.type).toBe('hermes');
    expect(Object.keys(result.components).sort()).toEqual([
      'goals',
      'ledger',
      'memory',
      'treasury',
    ]);
    expect(result.components.treasury).toBe(join(example, 'treasury'));
    expect(result.coordinationRef).toBe(join(example, 'coordination', 'protocol.yaml'));
  });

  it('gives exactly one diagnostic per mistake in the broken fixture, at the marked file and line', async () => {
    const result = await validateGroupDir(brokenGroup, { displayPath: 'broken-group' });
    const actual = result.diagnostics
      .map((diagnostic) => `${diagnostic.file}:${diagnostic.line} ${diagnostic.code}`)
      .sort();
    const expected = await expectedMistakes(brokenGroup, 'broken-group');
    expect(expected.length).toBeGreaterThanOrEqual(19);
    expect(actual).toEqual(expected);
    expect(result.valid).toBe(false);
    const unknown = result.diagnostics.find(
      (diagnostic) => diagnostic.code === 'schema/unknown-field',
    );
    expect(unknown).toMatchObject({ severity: 'warning', hint: 'did you mean "vision"?' });
    const tier = result.diagnostics.find(
      (diagnostic) => diagnostic.code === 'schema/invalid-value',
    );
    expect(tier?.hint).toBe('did you mean "frontier-reasoning"?');
    const registry = result.members.find((member) => member.role === 'researcher');
    expect(registry?.registryId).toBe('agt_01KQPMK9E0YNHVSXNJJYMWZE9A');
  });

  describe('in a temporary copy of the example', () => {
    let dir: string;
    beforeEach(async () => {
      dir = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'group');
      await cp(example, dir, { recursive: true });
    });
    afterEach(async () => {
      await rm(dirname(dir), { recursive: true, force: true });
    });

    const edit = async (file: string, from: string, to: string) => {
      const path = join(dir, file);
      const text = await readFile(path, 'utf8');
      expect(text).toContain(from);
      await writeFile(path, text.replace(from, to));
    };

    it('refuses a member agent directory that is a symlink leading outside the group', async () => {
      const outside = await mkdtemp(join(tmpdir(), 'karnel-'));
      await cp(join(dir, 'agents', 'writer'), join(outside, 'writer'), { recursive: true });
      await rm(join(dir, 'agents', 'writer'), { recursive: true });
      await symlink(join(outside, 'writer'), join(dir, 'agents', 'writer'));
      const result = await validateGroupDir(dir, { displayPath: 'g' });
      expect(
        result.diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.line, diagnostic.code]),
      ).toEqual([['g/members/writer.yaml', 6, 'ref/escapes']]);
      expect(result.agents).toHaveLength(3);
      await rm(outside, { recursive: true, force: true });
    });

    it('reports a missing member file at the agent_ref that names it', async () => {
      await rm(join(dir, 'members', 'critic.yaml'));
      const result = await validateGroupDir(dir, { displayPath: 'g' });
      expect(result.diagnostics).toHaveLength(1);
      const line = lineOf(
        await readFile(join(dir, 'manifest.yaml'), 'utf8'),
        './members/critic.yaml',
      );
      expect(result.diagnostics[0]).toMatchObject({
        file: 'g/manifest.yaml',
        line,
        code: 'ref/not-found',
      });
    });

    it('reports a member file whose kind disagrees with the manifest entry', async () => {
      await edit(
        'manifest.yaml',
        '  - role: "specialist_writer"\n    agent_kind: "foreign"',
        '  - role: "specialist_writer"\n    agent_kind: "karnel-native"',
      );
      const result = await validateGroupDir(dir, { displayPath: 'g' });
      expect(result.diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.code])).toEqual([
        ['g/members/specialist_writer.yaml', 'member/kind-mismatch'],
      ]);
    });

    it('validates each agent directory once even when two members share it', async () => {
      await edit('members/critic.yaml', './agents/critic/', './agents/writer/');
      const result = await validateGroupDir(dir, { displayPath: 'g' });
      expect(result.diagnostics).toEqual([]);
      expect(result.agents).toHaveLength(3);
      expect(result.members.find((member) => member.role === 'critic')?.agentDir).toBe(
        join(dir, 'agents', 'writer'),
      );
    });

    it('reports errors inside member agents at their own files', async () => {
      await edit(
        'agents/researcher/manifest.yaml',
        'model_class: "fast-general"',
        'model_class: "fast_general"',
      );
      const result = await validateGroupDir(dir, { displayPath: 'g' });
      expect(result.diagnostics).toHaveLength(1);
      expect(result.diagnostics[0]).toMatchObject({
        file: 'g/agents/researcher/manifest.yaml',
        code: 'schema/invalid-value',
        hint: 'did you mean "fast-general"?',
      });
      expect(result.valid).toBe(false);
      expect(
        result.agents.find((agent) => agent.displayPath === 'g/agents/researcher')?.manifest,
      ).toBeUndefined();
    });

    it('accepts an inline foreign member with its adapter and rejects one with neither adapter nor file', async () => {
      await edit(
        'manifest.yaml',
        '  - role: "human_owner"',
        '  - role: "summariser"\n    agent_kind: "foreign"\n    adapter:\n      type: "http"\n      endpoint: "https://summaries.example.com/v1"\n    membership:\n      joined_at: "2026-05-12T08:00:00Z"\n  - role: "translator"\n    agent_kind: "foreign"\n  - role: "human_owner"',
      );
      const result = await validateGroupDir(dir, { displayPath: 'g' });
      const line = lineOf(await readFile(join(dir, 'manifest.yaml'), 'utf8'), 'role: "translator"');
      expect(result.diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code])).toEqual([
        [line, 'member/foreign-needs-adapter'],
      ]);
      expect(result.roles).toContain('summariser');
    });

    it('reports a cadence the scheduler does not understand, in the manifest and in a member file', async () => {
      await edit('manifest.yaml', 'cadence: "daily"', 'cadence: "dayly"');
      await edit('members/writer.yaml', 'cadence: "weekly"', 'cadence: "0 25 * * *"');
      const result = await validateGroupDir(dir, { displayPath: 'g' });
      const manifestLine = lineOf(await readFile(join(dir, 'manifest.yaml'), 'utf8'), '"dayly"');
      const writerLine = lineOf(await readFile(join(dir, 'members/writer.yaml'), 'utf8'), '"0 25');
      expect(
        result.diagnostics.map((diagnostic) => [
          diagnostic.file,
          diagnostic.line,
          diagnostic.column,
          diagnostic.code,
        ]),
      ).toEqual([
        ['g/manifest.yaml', manifestLine, 14, 'member/unknown-cadence'],
        ['g/members/writer.yaml', writerLine, 16, 'member/unknown-cadence'],
      ]);
      expect(result.diagnostics[0]?.message).toContain('did you mean "daily"?');
      expect(result.diagnostics[1]?.message).toContain('Invalid value for hour: 25');
      expect(result.valid).toBe(false);
    });

    it('reports a group manifest that is missing altogether', async () => {
      await rm(join(dir, 'manifest.yaml'));
      const result = await validateGroupDir(dir, { displayPath: 'g' });
      expect(result.diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.code])).toEqual([
        ['g/manifest.yaml', 'file/missing'],
        ...['critic', 'researcher', 'specialist_writer', 'strategist', 'writer'].map((name) => [
          `g/members/${name}.yaml`,
          'member/unreferenced-file',
        ]),
      ]);
    });

    it('keeps checking references when the manifest also has a schema error', async () => {
      await edit('manifest.yaml', 'lifecycle: "work"', 'lifecycle: "operate"');
      await mkdir(join(dir, 'elsewhere'));
      await edit(
        'manifest.yaml',
        'treasury: "./treasury"',
        'treasury: "./treasury/../../treasury"',
      );
      const result = await validateGroupDir(dir, { displayPath: 'g' });
      expect(result.diagnostics.map((diagnostic) => diagnostic.code).sort()).toEqual([
        'ref/escapes',
        'schema/invalid-value',
      ]);
      expect(result.agents).toHaveLength(4);
    });
  });
});
