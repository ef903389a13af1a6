import { resolve } from 'node:path';
import { type Diagnostic, type DiagnosticFormat, pathKind } from '@karnel/core';
import { validatePaths } from '@karnel/validate';
import { ExitCode } from '../exit-codes';
import { formatOption } from '../format-option';
import { printDiagnostics } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

/** Registers `karnel validate <path>…`. */
export const registerValidateCommand: RegisterCommand = (program, context) => {
  program
    .command('validate')
    .description(
      'Validate agent and group directories: manifests, member files, references, and every part the installed checks know. Exits 0 when valid, 1 when any error is found, 2 on a usage error.',
    )
    .argument(
      '<path...>',
      'agent or group directories (or their manifest.yaml); the kind is detected',
    )
    .addOption(
      formatOption(
        ['text', 'json', 'github'],
        'output format: text (file:line:column: severity code: message), json, or github (workflow annotations)',
      ),
    )
    .option('-q, --quiet', 'print errors only, not warnings or notes')
    .option(
      '--profile',
      'also check against this machine: warn tiers/unresolvable for each tier a manifest asks for (model_class) that resolves to no model here (Annex D)',
    )
    .option(
      '--machine-file <file>',
      'with --profile: the machine-level tiers.yaml to read instead of the default (~/.config/karnel/tiers.yaml)',
    )
    .option('--ollama-host <url>', 'with --profile: the Ollama server to probe')
    .addHelpText(
      'after',
      '\nExamples:\n  karnel validate examples/newsletter-co\n  karnel validate --format github agents/*\n  karnel validate --profile examples/newsletter-co\n',
    )
    .action(async (paths: string[], options: ValidateOptions) => {
      const format = options.format;
      const result = await validatePaths(paths, await profileOption(options));
      const shown = options.quiet
        ? result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')
        : result.diagnostics;
      printDiagnostics(context.output, shown, format);
      if (format === 'text') context.output.err(summary(result.diagnostics, result.targets.length));
      context.setExitCode(result.valid ? ExitCode.ok : ExitCode.failure);
    });
};

interface ValidateOptions {
  format: DiagnosticFormat;
  quiet?: boolean;
  profile?: boolean;
  machineFile?: string;
  ollamaHost?: string;
}

/** `--profile` and the options that go with it; without it nothing machine-dependent is read. */
async function profileOption(options: ValidateOptions) {
  if (!options.profile) {
    if (options.machineFile !== undefined || options.ollamaHost !== undefined)
      throw new UsageError('--machine-file and --ollama-host go with --profile');
    return {};
  }
  if (options.machineFile !== undefined && (await pathKind(options.machineFile)) !== 'file')
    throw new UsageError(`--machine-file ${options.machineFile} is not a file`);
  return {
    profile: {
      ...(options.machineFile !== undefined ? { machineFile: resolve(options.machineFile) } : {}),
      ...(options.ollamaHost !== undefined ? { ollamaHost: options.ollamaHost } : {}),
    },
  };
}

function summary(diagnostics: readonly Diagnostic[], targets: number): string {
  const count = (severity: Diagnostic['severity']) =>
    diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
  const errors = count('error');
  const warnings = count('warning');
  const directories = `${targets} ${targets === 1 ? 'directory' : 'directories'}`;
  return `${errors === 0 ? 'valid' : 'invalid'}: ${directories} checked, ${errors} ${errors === 1 ? 'error' : 'errors'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`;
}
