import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes';
import type { CliOutput } from './output';
import { runCli } from './run-cli';
import { findSystemError, isSystemError, reportSystemError } from './system-error';

const skills = fileURLToPath(new URL('../../../examples/skills', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error a real file-system call throws. */
async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call was expected to fail');
}

const valueOptions = new Set(['--input-file', '-o', '--output']);

describe('reportSystemError', () => {
  it('names the path as typed and what was expected, on one line', async () => {
    const missing = await failure(() => readFile(join(dir, 'nothing.txt')));
    expect(isSystemError(missing)).toBe(true);
    const report = reportSystemError(missing as never, {
      argv: ['run-skill', 'x', '--input-file', 'nothing.txt'],
      valueOptions,
      cwd: dir,
    });
    expect(report).toEqual({
      message: 'error: nothing.txt: does not exist (expected an existing file or folder)',
      exitCode: ExitCode.usage,
    });
    await mkdir(join(dir, 'folder'));
    // Reading a folder fails in read(2), on an open file: Node gives no path.
    const folder = await failure(() => readFile(join(dir, 'folder')));
    expect(isSystemError(folder)).toBe(true);
    expect(
      reportSystemError(folder as never, { argv: ['show', 'folder'], valueOptions, cwd: dir }),
    ).toEqual({
      message: 'error: a path given is a folder (expected a file) (EISDIR in read)',
      exitCode: 1,
    });
  });

  it('is exit 1 for a positional path, 2 for an option value, 1 for anything not about the path given', async () => {
    const missing = (await failure(() => readFile(join(dir, 'gone')))) as never;
    const cwd = dir;
    expect(reportSystemError(missing, { argv: ['x', 'gone'], valueOptions, cwd }).exitCode).toBe(1);
    expect(
      reportSystemError(missing, { argv: ['x', '--output=gone'], valueOptions, cwd }).exitCode,
    ).toBe(2);
    expect(
      reportSystemError(missing, { argv: ['x', '-o', 'gone'], valueOptions, cwd }).exitCode,
    ).toBe(2);
    // A flag that takes no value does not make the next argument an option value.
    expect(
      reportSystemError(missing, { argv: ['x', '--force', 'gone'], valueOptions, cwd }).exitCode,
    ).toBe(1);
    await writeFile(join(dir, 'a'), 'a');
    await mkdir(join(dir, 'b'));
    await writeFile(join(dir, 'b', 'c'), 'c');
    const occupied = (await failure(() => rename(join(dir, 'a'), join(dir, 'b')))) as never;
    expect(reportSystemError(occupied, { argv: [], valueOptions, cwd }).message).toMatch(
      /^error: .*\/b: is a folder \(expected a file\)$/,
    );
  });

  it('escapes control characters in the path', async () => {
    const name = 'evil\u001b[2Kname';
    const missing = (await failure(() => readFile(join(dir, name)))) as never;
    const { message } = reportSystemError(missing, { argv: ['x', name], valueOptions, cwd: dir });
    expect(message).toBe(
      'error: evil\\x1b[2Kname: does not exist (expected an existing file or folder)',
    );
  });

  it('finds a system error behind a wrapping error', async () => {
    const missing = await failure(() => readFile(join(dir, 'gone')));
    const wrapped = new Error('could not load', { cause: missing });
    expect(findSystemError(wrapped)).toBe(missing);
    expect(findSystemError(new Error('plain'))).toBeUndefined();
  });
});

describe('runCli maps escaped file-system errors', () => {
  it('turns a missing --input-file into one line and exit 2, never exit 70 or a stack trace', async () => {
    let stderr = '';
    const output: CliOutput = {
      out: () => undefined,
      err: (text) => {
        stderr += text;
      },
      interactive: false,
    };
    const missing = join(dir, 'no-input.txt');
    const code = await runCli(
      ['run-skill', join(skills, 'word-count-node'), '--input-file', missing],
      output,
    );
    expect(code).toBe(ExitCode.usage);
    expect(stderr).toBe(`error: ${missing}: does not exist (expected an existing file or folder)`);
  });
});
