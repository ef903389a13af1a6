import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write';

describe('writeFileAtomic', () => {
  it('creates parents, writes the content and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const path = join(dir, 'a', 'b', 'file.yaml');
    await writeFileAtomic(path, 'hello: world\n');
    expect(await readFile(path, 'utf8')).toBe('hello: world\n');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['file.yaml']);
  });

  it('applies the requested mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const path = join(dir, 'key.json');
    await writeFileAtomic(path, '{}', { mode: 0o600 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('never lets a reader see a partial file while a writer is killed mid-way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const path = join(dir, 'state.json');
    const old = JSON.stringify({ version: 0, padding: 'x'.repeat(200_000) });
    await writeFile(path, old);
    const modulePath = new URL('../dist/index.js', import.meta.url).pathname;
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(modulePath)};
      let version = 1;
      for (;;) await writeFileAtomic(${JSON.stringify(path)}, JSON.stringify({ version: version++, padding: 'y'.repeat(200000) }));
    `;
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: 'ignore',
      });
      await new Promise((resolve) => setTimeout(resolve, 150 + round * 40));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const content = JSON.parse(await readFile(path, 'utf8')) as {
        version: number;
        padding: string;
      };
      expect(content.padding.length).toBe(200_000);
    }
  });
});
