import { isAbsolute, resolve } from 'node:path';
import { escapeTerminalText } from '@karnel/core';
import { ExitCode } from './exit-codes';

/** A Node.js file-system error: it carries the errno `code` and, mostly, the `path` it was about. */
export interface SystemError extends Error {
  /** The errno name, e.g. `ENOENT`. */
  readonly code: string;
  /** The path the failed call was given; absent for calls on an open file (`read` of a folder). */
  readonly path?: string;
  /** The second path of a two-path call (`rename`, `copyFile`, `link`). */
  readonly dest?: string;
  /** The system call that failed, e.g. `open`. */
  readonly syscall?: string;
}

/** What the CLI prints for a {@link SystemError}, and the exit code it returns. */
export interface SystemErrorReport {
  /** One line, starting with `error: `, naming the path and what was expected. */
  readonly message: string;
  /** {@link ExitCode.usage} for a path given as an option's value, {@link ExitCode.failure} otherwise. */
  readonly exitCode: number;
}

/** What each errno means for the path, said as what was expected of it. */
const explanations: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist (expected an existing file or folder)',
  ENOTDIR: 'is not a folder, or a part of it is a file (expected a folder)',
  EISDIR: 'is a folder (expected a file)',
  EACCES: 'permission denied (expected a path this user can read and write)',
  EPERM: 'operation not permitted (expected a path this user may change)',
  EROFS: 'is on a read-only file system (expected a writable location)',
  EEXIST: 'already exists (expected a new path)',
  ENOTEMPTY: 'is a folder that is not empty (expected an empty or new folder)',
  ENOSPC: 'cannot be written: no space left on the device',
  EDQUOT: 'cannot be written: the disk quota is exceeded',
  EMFILE: 'cannot be opened: too many open files',
  ENAMETOOLONG: 'is too long a name for the file system',
  ELOOP: 'has too many levels of symbolic links',
  EBUSY: 'is busy (in use by another process)',
  EXDEV: 'cannot be moved across file systems',
  EIO: 'could not be read or written: input/output error',
};

/**
 * Whether `error` is a Node.js file-system error: an errno `code` with the `path` it was
 * about, or one of the codes above from a call on an open file (which carries no path).
 */
export function isSystemError(error: unknown): error is SystemError {
  if (!(error instanceof Error)) return false;
  const { code, path } = error as Partial<SystemError>;
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return false;
  return typeof path === 'string' || code in explanations;
}

/**
 * Finds the {@link SystemError} behind `error`: the error itself or one of its `cause`s.
 * Returns `undefined` when there is none.
 */
export function findSystemError(error: unknown): SystemError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    if (isSystemError(current)) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** The command line a {@link SystemError} escaped from, so the report can name paths as typed. */
export interface CommandLine {
  /** The arguments (without node and script). */
  readonly argv: readonly string[];
  /** The option names (`--key`, `-k`) that take a value; their values are option values. */
  readonly valueOptions: ReadonlySet<string>;
  /** The folder relative paths resolve against. Default: `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * Turns a file-system error that escaped a command into one clear line naming the path and
 * what was expected of it. A path given as the value of an option (`--input-file x`,
 * `--key=x`) that does not exist or has the wrong type is a usage mistake (exit 2); anything
 * else is a failure (exit 1). Never a stack trace: these are the user's paths, not Karnel bugs.
 */
export function reportSystemError(
  error: SystemError,
  { argv, valueOptions, cwd = process.cwd() }: CommandLine,
): SystemErrorReport {
  const tokens = argumentValues(argv, valueOptions);
  const explanation = explanations[error.code] ?? `failed (${error.code})`;
  if (error.path === undefined) {
    // A read or write on an open file: the path is not known, the mistake still is.
    return {
      message: `error: a path given ${explanation} (${error.code}${error.syscall ? ` in ${error.syscall}` : ''})`,
      exitCode: ExitCode.failure,
    };
  }
  const shown = displayPath(error.path, tokens, cwd);
  const target =
    error.code === 'EEXIST' || error.code === 'ENOTEMPTY' || error.code === 'EISDIR'
      ? (error.dest ?? error.path)
      : error.path;
  const shownTarget = target === error.path ? shown : displayPath(target, tokens, cwd);
  const usage =
    ['ENOENT', 'ENOTDIR', 'EISDIR'].includes(error.code) &&
    tokens.some((token) => token.option && sameFile(token.value, target, cwd));
  return {
    message: `error: ${escapeTerminalText(shownTarget)}: ${explanation}`,
    exitCode: usage ? ExitCode.usage : ExitCode.failure,
  };
}

interface ArgumentValue {
  readonly value: string;
  /** Whether it is the value of an option rather than a positional argument. */
  readonly option: boolean;
}

function sameFile(typed: string, path: string, cwd: string): boolean {
  return typed === path || (isAbsolute(path) && resolve(cwd, typed) === path);
}

/** The path as the user typed it when it came from the command line, else as Node reported it. */
function displayPath(path: string, tokens: readonly ArgumentValue[], cwd: string): string {
  return tokens.find((token) => sameFile(token.value, path, cwd))?.value ?? path;
}

/** Every value on the command line, each marked with whether it is an option's value. */
function argumentValues(
  argv: readonly string[],
  valueOptions: ReadonlySet<string>,
): ArgumentValue[] {
  const values: ArgumentValue[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (token === '--') {
      for (const rest of argv.slice(index + 1)) values.push({ value: rest, option: false });
      break;
    }
    if (token.startsWith('--') && token.includes('=')) {
      values.push({ value: token.slice(token.indexOf('=') + 1), option: true });
    } else if (token.startsWith('-') && token !== '-') {
      if (valueOptions.has(token) && index + 1 < argv.length) {
        values.push({ value: argv[index + 1]!, option: true });
        index++;
      }
    } else {
      values.push({ value: token, option: false });
    }
  }
  return values;
}
