import { mkdir, mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml, readYamlFile } from './source-document';

describe('parseYaml', () => {
  const text = [
    'group:',
    '  id: grp_x',
    '  name: "newsletter"',
    'members:',
    '  - role: writer',
    '  - role: critic',
    '',
  ].join('\n');

  it('keeps the position of every value and key', () => {
    const document = parseYaml(text, 'manifest.yaml');
    expect(document.diagnostics).toEqual([]);
    expect(document.position(['group', 'name'])).toEqual({ line: 3, column: 9 });
    expect(document.position(['group', 'name'], { key: true })).toEqual({ line: 3, column: 3 });
    expect(document.position(['members', 1, 'role'])).toEqual({ line: 6, column: 11 });
  });

  it('points a missing path at the key of its deepest existing ancestor', () => {
    const document = parseYaml(text, 'manifest.yaml');
    expect(document.position(['group', 'owner'])).toEqual({ line: 1, column: 1 });
    expect(document.position(['members', 7, 'role'])).toEqual({ line: 4, column: 1 });
    expect(document.position(['members', 1, 'contact'])).toEqual({ line: 6, column: 5 });
  });

  it('reports syntax errors and duplicate keys at their line', () => {
    expect(parseYaml('a: 1\nb: [1, 2\n', 'x.yaml').diagnostics[0]).toMatchObject({
      file: 'x.yaml',
      severity: 'error',
    });
    const duplicate = parseYaml('a: 1\nb: 2\na: 3\n', 'x.yaml').diagnostics;
    expect(duplicate).toHaveLength(1);
    expect(duplicate[0]).toMatchObject({ line: 3, code: 'yaml/duplicate-key' });
  });

  it('refuses alias bombs instead of expanding them', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const document = parseYaml(levels.join('\n'), 'bomb.yaml');
    expect(document.value).toBeUndefined();
    expect(document.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['yaml/alias-limit']);
  });

  it('parses JSON too, since YAML 1.2 is a superset', () => {
    const document = parseYaml(
      '{\n  "runtime": "wasm",\n  "sandbox": { "network": "disabled" }\n}\n',
      'a.skill.json',
    );
    expect(document.value).toEqual({ runtime: 'wasm', sandbox: { network: 'disabled' } });
    expect(document.position(['sandbox', 'network'])).toEqual({ line: 3, column: 27 });
  });
});

describe('readYamlFile', () => {
  it('reports missing files, folders and non-UTF-8 files as diagnostics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    expect(
      (await readYamlFile(join(dir, 'nope.yaml'), { displayPath: 'nope.yaml' })).diagnostics[0],
    ).toMatchObject({
      file: 'nope.yaml',
      code: 'file/missing',
    });
    await mkdir(join(dir, 'folder.yaml'));
    expect((await readYamlFile(join(dir, 'folder.yaml'))).diagnostics[0]?.code).toBe(
      'file/not-a-file',
    );
    await writeFile(join(dir, 'latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    expect((await readYamlFile(join(dir, 'latin1.yaml'))).diagnostics[0]?.code).toBe(
      'file/not-utf8',
    );
  });

  it('refuses a 50 MB file without reading it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const path = join(dir, 'huge.yaml');
    const handle = await open(path, 'w');
    await handle.truncate(50 * 1024 * 1024);
    await handle.close();
    const before = process.memoryUsage().rss;
    const document = await readYamlFile(path);
    expect(document.diagnostics[0]).toMatchObject({ code: 'file/too-large', line: 1, column: 1 });
    expect(document.diagnostics[0]?.message).toContain('50.0 MiB');
    // Reading would have cost at least 50 MB; allow generous noise from the runtime itself.
    expect(process.memoryUsage().rss - before).toBeLessThan(25 * 1024 * 1024);
  });
});
