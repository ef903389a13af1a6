import type { Diagnostic } from './diagnostic';

/** Output formats understood by {@link formatDiagnostics}. */
export type DiagnosticFormat = 'text' | 'json' | 'github';

/**
 * Renders diagnostics for people, programs or GitHub Actions.
 *
 * - `text`: one `file:line:column: severity code: message` line each, the form compilers use,
 *   so terminals and editors make them clickable.
 * - `json`: a JSON array of {@link Diagnostic} objects.
 * - `github`: workflow commands (`::error file=…,line=…,col=…,title=…::message`) that GitHub
 *   shows as annotations on the pull request.
 */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  format: DiagnosticFormat = 'text',
): string {
  switch (format) {
    case 'json':
      return JSON.stringify(diagnostics, null, 2);
    case 'github':
      return diagnostics.map(formatGithub).join('\n');
    default:
      return diagnostics.map(formatText).join('\n');
  }
}

function formatText(diagnostic: Diagnostic): string {
  const hint = diagnostic.hint ? ` (${diagnostic.hint})` : '';
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}${hint}`;
}

function formatGithub(diagnostic: Diagnostic): string {
  const command =
    diagnostic.severity === 'error'
      ? 'error'
      : diagnostic.severity === 'warning'
        ? 'warning'
        : 'notice';
  const properties = [
    `file=${escapeProperty(diagnostic.file)}`,
    `line=${diagnostic.line}`,
    `col=${diagnostic.column}`,
    `title=${escapeProperty(diagnostic.code)}`,
  ].join(',');
  const hint = diagnostic.hint ? ` (${diagnostic.hint})` : '';
  return `::${command} ${properties}::${escapeData(diagnostic.message + hint)}`;
}

// GitHub's workflow command escaping, as in @actions/core.
function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
