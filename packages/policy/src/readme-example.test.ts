/**
 * Runs the first example of the README, as written, against this package's source: it must
 * reach its approval branch, approve, use the approval once and refuse the second use.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
let agentDir: string | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  if (agentDir) await rm(agentDir, { recursive: true, force: true });
});

describe('README example', () => {
  it('reaches the approval branch, uses the approval once and refuses a second use', async () => {
    const readme = await readFile(join(packageDir, 'README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain('approvals.use(request.id, action');
    agentDir = await mkdtemp(join(tmpdir(), 'karnel-readme-'));
    // The example imports the package by name and works in './my-agent'; point both at this run.
    const code = (example ?? '')
      .replace(
        "from '@karnel/policy';",
        `from ${JSON.stringify(join(packageDir, 'src/index.ts'))};`,
      )
      .replace("const dir = './my-agent';", `const dir = ${JSON.stringify(agentDir)};`);
    expect(code).not.toContain("'./my-agent'");
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
    expect(printed).toEqual([['needs-approval'], [true], [false, 'already-used']]);
  });
});
