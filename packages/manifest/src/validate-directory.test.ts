import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectDirectoryKind } from './detect-directory-kind';
import { validateDirectory } from './validate-directory';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..', '..', '..', 'examples', 'newsletter-co');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('detectDirectoryKind', () => {
  it('tells groups from agents by their manifest', async () => {
    expect(await detectDirectoryKind(example)).toEqual({ kind: 'group', diagnostics: [] });
    expect(await detectDirectoryKind(join(example, 'agents', 'critic'))).toEqual({
      kind: 'agent',
      diagnostics: [],
    });
  });

  it('explains why it cannot tell', async () => {
    const codes = async (path: string) =>
      (await detectDirectoryKind(path, { displayPath: 'x' })).diagnostics.map((diagnostic) => [
        diagnostic.file,
        diagnostic.code,
      ]);
    expect(await codes(join(dir, 'missing'))).toEqual([['x', 'path/not-found']]);
    await writeFile(join(dir, 'file.txt'), 'hello');
    expect(await codes(join(dir, 'file.txt'))).toEqual([['x', 'path/not-a-directory']]);
    expect(await codes(dir)).toEqual([['x/manifest.yaml', 'file/missing']]);
    await writeFile(join(dir, 'manifest.yaml'), 'purpose: nothing else\n');
    expect(await codes(dir)).toEqual([['x/manifest.yaml', 'manifest/unknown-kind']]);
    await writeFile(join(dir, 'manifest.yaml'), 'agent: {}\ngroup: {}\n');
    expect(await codes(dir)).toEqual([['x/manifest.yaml', 'manifest/unknown-kind']]);
    await writeFile(join(dir, 'manifest.yaml'), 'agent: [\n');
    expect((await codes(dir))[0]?.[1]).toMatch(/^yaml\//);
    await writeFile(join(dir, 'manifest.yaml'), '');
    expect(await codes(dir)).toEqual([['x/manifest.yaml', 'schema/empty']]);
  });
});

describe('validateDirectory', () => {
  it('validates a group, an agent, or a manifest.yaml path given directly', async () => {
    const group = await validateDirectory(example, { displayPath: 'co' });
    expect(group.kind).toBe('group');
    expect(group.valid).toBe(true);
    const agent = await validateDirectory(join(example, 'agents', 'writer', 'manifest.yaml'), {
      displayPath: 'co/agents/writer/manifest.yaml',
    });
    expect(agent).toMatchObject({
      kind: 'agent',
      valid: true,
      displayPath: 'co/agents/writer',
      dir: join(example, 'agents', 'writer'),
    });
  });

  it('returns the detection diagnostics when the kind is unknown', async () => {
    await mkdir(join(dir, 'nothing'));
    const result = await validateDirectory(join(dir, 'nothing'), { displayPath: 'nothing' });
    expect(result).toMatchObject({ kind: undefined, valid: false });
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['file/missing']);
  });
});
