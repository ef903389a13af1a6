/** Runs the README's example, as written, against this package's source. */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('README example', () => {
  it('checks, invokes, replays and records as it says', async () => {
    const readme = await readFile(join(packageDir, 'README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const code = example
      .replace(
        "from '@karnel/adapters';",
        `from ${JSON.stringify(join(packageDir, 'src/index.ts'))};`,
      )
      .replace(
        "from '@karnel/adapters/testing';",
        `from ${JSON.stringify(join(packageDir, 'src/testing/index.ts'))};`,
      );
    expect(code).not.toContain("'@karnel/adapters");
    const folder = join(packageDir, '.tmp');
    await mkdir(folder, { recursive: true });
    const file = join(folder, `readme-example-${process.pid}.ts`);
    await writeFile(file, code);
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => {
      printed.push(values);
    });
    try {
      await import(file);
    } finally {
      await rm(file, { force: true });
    }
    expect(printed).toEqual([
      ['pass'],
      ['proofread, 3 fixes'],
      [true],
      [['adapter.invoked', 'adapter.outcome']],
    ]);
  });
});
