/**
 * Test support shared by the CLI tests in `src/**\/*.test.ts`: running the built `karnel`
 * binary, temp folders, copies of the examples, key files and `# mistake:` fixture markers.
 * It is not a test itself (the name does not end in `.test.ts`, so vitest does not collect it)
 * and it is not part of the published package (tsup bundles only `src/index.ts` and `src/main.ts`).
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, type KeyPair, writePrivateKeyFile } from '@karnel/core';
import { afterEach, beforeEach } from 'vitest';

/**
 * The CLI entry point the tests spawn. It loads `dist/`, so the package must be built
 * (`pnpm --filter karnel... build`) before the tests run.
 */
export const bin = fileURLToPath(new URL('../bin/karnel.js', import.meta.url));

/** The repository's `examples/` folder, the groups the tests copy and validate. */
export const examples = fileURLToPath(new URL('../../../examples', import.meta.url));

/** What one run of the CLI left behind. */
export interface KarnelRun {
  /** The exit code, or `null` when a signal ended the process. */
  code: number | null;
  /** Everything written to standard output, decoded as UTF-8. */
  stdout: string;
  /** Everything written to standard error, decoded as UTF-8. */
  stderr: string;
}

/** How to start one run of the CLI. */
export interface RunKarnelOptions {
  /** Working directory of the process; relative paths in `args` resolve against it. Defaults to the test's own. */
  cwd?: string;
  /**
   * Text written to standard input. Standard input is closed after it (or at once when this is
   * absent), so a command that reads it sees end-of-file rather than waiting forever.
   */
  stdin?: string;
  /** Variables set on top of the test's environment and `CI=1`, e.g. `KARNEL_HOME`. */
  env?: Record<string, string>;
}

/**
 * Runs `node bin/karnel.js ...args` as a real child process and resolves when it has exited
 * and its output streams have closed. `CI=1` is always set so the CLI never shows interactive
 * progress, which would make stderr depend on the terminal.
 */
export function runKarnel(
  args: readonly string[],
  { cwd, stdin, env = {} }: RunKarnelOptions = {},
): Promise<KarnelRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, CI: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** Creates a new empty folder under the system temp folder, named `karnel-…`. */
export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'karnel-'));
}

/**
 * Gives every test of the file a fresh temp folder and removes it afterwards. The folder is
 * handed to `use` before each test, so a file keeps its own variable name for it:
 * `let dir: string; useTempDir((path) => { dir = path; });`.
 */
export function useTempDir(use: (path: string) => void): void {
  let current: string | undefined;
  beforeEach(async () => {
    current = await makeTempDir();
    use(current);
  });
  afterEach(async () => {
    if (current !== undefined) await rm(current, { recursive: true, force: true });
    current = undefined;
  });
}

/**
 * Copies `examples/<name>` into a new temp folder and returns that folder, so a test can edit
 * the copy and refer to the group by the relative path `<name>`.
 */
export async function copyExample(name: string): Promise<string> {
  const root = await makeTempDir();
  await cp(join(examples, name), join(root, name), { recursive: true });
  return root;
}

/** Generates a key pair, writes its private key file at `path` (mode 0600) and returns the pair. */
export async function writeKeyFile(path: string): Promise<KeyPair> {
  const pair = generateKeyPair();
  await writePrivateKeyFile(path, pair);
  return pair;
}

/**
 * The `# mistake: <code>` comments in the YAML files under `root`, each as
 * `<display>/<relative file>:<line> <code>`, sorted. Broken fixtures mark every mistake they
 * contain this way, so a test can compare them with the diagnostics `karnel validate` prints.
 */
export async function mistakeMarkers(root: string, display: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name.endsWith('.yaml')) {
        (await readFile(path, 'utf8')).split('\n').forEach((line, index) => {
          const match = /# mistake: (\S+)/.exec(line);
          if (match) found.push(`${join(display, relative(root, path))}:${index + 1} ${match[1]}`);
        });
      }
    }
  };
  await walk(root);
  return found.sort();
}
