import type { Diagnostic, DiagnosticFormat } from '@karnel/core';
import { validatePaths } from '@karnel/validate';
import { ExitCode } from '../exit-codes';
import { formatOption } from '../format-option';
import { printDiagnostics } from '../output';
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
    .addHelpText(
      'after',
      '\nExamples:\n  karnel validate examples/newsletter-co\n  karnel validate --format github agents/*\n',
    )
    .action(async (paths: string[], options: { format: DiagnosticFormat; quiet?: boolean }) => {
      const format = options.format;
      const result = await validatePaths(paths);
      const shown = options.quiet
        ? result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')
        : result.diagnostics;
      printDiagnostics(context.output, shown, format);
      if (format === 'text') context.output.err(summary(result.diagnostics, result.targets.length));
      context.setExitCode(result.valid ? ExitCode.ok : ExitCode.failure);
    });
};

function summary(diagnostics: readonly Diagnostic[], targets: number): string {
  const count = (severity: Diagnostic['severity']) =>
    diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
  const errors = count('error');
  const warnings = count('warning');
  const directories = `${targets} ${targets === 1 ? 'directory' : 'directories'}`;
  return `${errors === 0 ? 'valid' : 'invalid'}: ${directories} checked, ${errors} ${errors === 1 ? 'error' : 'errors'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`;
}
