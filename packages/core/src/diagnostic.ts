/** How serious a diagnostic is. Only `error` makes a file invalid. */
export type Severity = 'error' | 'warning' | 'info';

/**
 * One problem found in a user's file, pointing at the exact place.
 *
 * Lines and columns are 1-based, as editors show them. A problem that concerns a whole file
 * (missing, too large) points at line 1, column 1.
 */
export interface Diagnostic {
  /** Path of the file, as given to the reader (usually relative to the working directory). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** Stable machine-readable code, `area/name` (e.g. `schema/unknown-field`). */
  readonly code: string;
  /** Whether the problem makes the input invalid. */
  readonly severity: Severity;
  /** One sentence a user can act on. */
  readonly message: string;
  /** An optional suggestion ("did you mean …?"). */
  readonly hint?: string;
}

/** Creates a diagnostic; line and column default to the start of the file. */
export function createDiagnostic(
  diagnostic: Omit<Diagnostic, 'line' | 'column' | 'severity'> & {
    line?: number;
    column?: number;
    severity?: Severity;
  },
): Diagnostic {
  const { file, code, message, hint, line = 1, column = 1, severity = 'error' } = diagnostic;
  return hint === undefined
    ? { file, line, column, code, severity, message }
    : { file, line, column, code, severity, message, hint };
}

/** Whether any diagnostic in the list is an error. */
export function hasErrors(diagnostics: Iterable<Diagnostic>): boolean {
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === 'error') return true;
  }
  return false;
}

/** Sorts diagnostics by file, line and column, so output is stable across runs. */
export function sortDiagnostics(diagnostics: Iterable<Diagnostic>): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
