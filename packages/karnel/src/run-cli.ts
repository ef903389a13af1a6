import { escapeTerminalText, KarnelError } from '@karnel/core';
import { Command, CommanderError } from 'commander';
import { CommandError } from './command-error';
import { commands } from './commands/index';
import { ExitCode } from './exit-codes';
import { type CliContext, type CliOutput, createContext, processOutput } from './output';
import { findSystemError, reportSystemError } from './system-error';
import { UsageError } from './usage-error';
import { version } from './version';

const reportUrl = 'https://github.com/karnel-dev/karnel/issues/new';

/**
 * Builds the `karnel` program. Commands set `process.exitCode`-style results by returning from
 * their actions; errors are mapped to exit codes by {@link runCli}.
 */
export function createProgram(context: CliContext = createContext(processOutput)): Command {
  const output = context.output;
  const program = new Command('karnel')
    .description('Portable, file-based agents and groups of agents: validate, run and audit them.')
    .version(version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.out(text),
      // Commander echoes unknown options and arguments: the user's text, escaped.
      writeErr: (text) => output.err(escapeTerminalText(text, { multiline: true })),
    });
  for (const register of commands) register(program, context);
  return program;
}

/**
 * Runs the CLI with `argv` (without the node and script paths) and resolves to the exit code:
 * 0 success, 1 a problem found, 2 a usage error, 70 an internal error.
 */
export async function runCli(
  argv: readonly string[],
  output: CliOutput = processOutput,
): Promise<number> {
  const context = createContext(output);
  const program = createProgram(context);
  // Commander applies exitOverride only to the command it is called on; apply it everywhere.
  const applyOverrides = (command: Command) => {
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => output.out(text),
      // Commander echoes unknown options and arguments: the user's text, escaped.
      writeErr: (text) => output.err(escapeTerminalText(text, { multiline: true })),
    });
    for (const child of command.commands) applyOverrides(child);
  };
  applyOverrides(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return ExitCode.ok;
      }
      return ExitCode.usage;
    }
    if (UsageError.isInstance(error)) {
      output.err(
        `error: ${escapeTerminalText(error.message)}\nRun "karnel --help" or "karnel <command> --help" for usage.`,
      );
      return ExitCode.usage;
    }
    if (KarnelError.isInstance(error)) {
      // A CommandError escapes what it quotes itself and may list diagnostics on more lines.
      output.err(
        `error: ${escapeTerminalText(error.message, { multiline: CommandError.isInstance(error) })}`,
      );
      return ExitCode.failure;
    }
    // A file-system error names the user's path: one line and exit 1 (2 for an option's value).
    const systemError = findSystemError(error);
    if (systemError) {
      const report = reportSystemError(systemError, {
        argv,
        valueOptions: valueOptionNames(program),
      });
      output.err(report.message);
      return report.exitCode;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    output.err(
      `internal error: ${escapeTerminalText(message, { multiline: true })}\nThis is a bug in Karnel; please report it at ${reportUrl}`,
    );
    return ExitCode.internal;
  }
}

/** The names (`--key`, `-k`) of every option of every command that takes a value. */
function valueOptionNames(program: Command): Set<string> {
  const names = new Set<string>();
  const visit = (command: Command) => {
    for (const option of command.options) {
      if (!option.required && !option.optional) continue;
      if (option.long) names.add(option.long);
      if (option.short) names.add(option.short);
    }
    for (const child of command.commands) visit(child);
  };
  visit(program);
  return names;
}
