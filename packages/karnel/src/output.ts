import {
  type Diagnostic,
  type DiagnosticFormat,
  escapeTerminalText,
  formatDiagnostics,
  sortDiagnostics,
} from '@karnel/core';
import { UsageError } from './usage-error';

/** Where a command writes. Tests and embedders can capture both streams. */
export interface CliOutput {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether standard error is a terminal (progress is shown only then, and never in CI). */
  readonly interactive: boolean;
}

/** The process's own streams. */
export const processOutput: CliOutput = {
  out: (text) => {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  },
  err: (text) => {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  },
  get interactive() {
    return Boolean(process.stderr.isTTY) && !process.env.CI;
  },
};

/** What every command is given: where to write, and how to report its exit code. */
export interface CliContext {
  /** Where to write. */
  readonly output: CliOutput;
  /** The exit code so far; 0 unless a command set another. */
  readonly exitCode: number;
  /** Sets the exit code the CLI returns when the command finishes (see `ExitCode`). */
  setExitCode(code: number): void;
}

/** Creates a fresh {@link CliContext} writing to `output`. */
export function createContext(output: CliOutput): CliContext {
  let exitCode = 0;
  return {
    output,
    get exitCode() {
      return exitCode;
    },
    setExitCode: (code) => {
      exitCode = code;
    },
  };
}

const formats: readonly DiagnosticFormat[] = ['text', 'json', 'github'];

/** Checks a `--format` value, throwing a {@link UsageError} for an unknown one. */
export function parseFormat(value: string | undefined): DiagnosticFormat {
  const format = (value ?? 'text') as DiagnosticFormat;
  if (!formats.includes(format)) {
    throw new UsageError(`unknown format "${value}"; expected one of ${formats.join(', ')}`);
  }
  return format;
}

/**
 * Prints diagnostics in the chosen format, sorted by file and position. Messages quote the
 * user's files, so in `text` and `github` format every field is passed through
 * `escapeTerminalText` first; `json` stays the raw values (JSON escapes control characters).
 */
export function printDiagnostics(
  output: CliOutput,
  diagnostics: readonly Diagnostic[],
  format: DiagnosticFormat,
): void {
  const sorted = sortDiagnostics(diagnostics);
  if (format === 'json') {
    output.out(escapeJsonForTerminal(formatDiagnostics(sorted, 'json')));
    return;
  }
  if (sorted.length > 0) output.out(formatDiagnostics(sorted.map(escapeDiagnostic), format));
}

/** The diagnostic with every text field safe to print to a terminal. */
export function escapeDiagnostic(diagnostic: Diagnostic): Diagnostic {
  return {
    ...diagnostic,
    file: escapeTerminalText(diagnostic.file),
    code: escapeTerminalText(diagnostic.code),
    message: escapeTerminalText(diagnostic.message),
    ...(diagnostic.hint !== undefined ? { hint: escapeTerminalText(diagnostic.hint) } : {}),
  };
}

// JSON.stringify escapes C0 controls but leaves DEL, the C1 controls (0x9b is a one-byte CSI on
// many terminals), line separators and bidirectional overrides as they are.
const unescapedInJson = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes JSON text safe to print to a terminal without changing what it parses to: the
 * characters `JSON.stringify` leaves raw (DEL, C1 controls, line separators, bidirectional
 * overrides) can only occur inside strings, where `\uXXXX` means the same character.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(
    unescapedInJson,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
