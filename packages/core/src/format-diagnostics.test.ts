import { describe, expect, it } from 'vitest';
import { createDiagnostic, hasErrors, sortDiagnostics } from './diagnostic';
import { formatDiagnostics } from './format-diagnostics';

const diagnostics = [
  createDiagnostic({
    file: 'b.yaml',
    line: 2,
    column: 1,
    code: 'schema/unknown-field',
    severity: 'warning',
    message: 'unknown field "nam"',
    hint: 'did you mean "name"?',
  }),
  createDiagnostic({
    file: 'a.yaml',
    line: 10,
    column: 3,
    code: 'id/invalid',
    message: 'bad id, really: 50%\nsecond line',
  }),
];

describe('formatDiagnostics', () => {
  it('prints compiler-style text lines', () => {
    expect(formatDiagnostics(diagnostics, 'text').split('\n')[0]).toBe(
      'b.yaml:2:1: warning schema/unknown-field: unknown field "nam" (did you mean "name"?)',
    );
  });

  it('prints JSON that parses back to the same diagnostics', () => {
    expect(JSON.parse(formatDiagnostics(diagnostics, 'json'))).toEqual(diagnostics);
  });

  it('prints GitHub workflow commands with escaped data and properties', () => {
    const lines = formatDiagnostics(diagnostics, 'github').split('\n');
    expect(lines[0]).toBe(
      '::warning file=b.yaml,line=2,col=1,title=schema/unknown-field::unknown field "nam" (did you mean "name"?)',
    );
    expect(lines[1]).toBe(
      '::error file=a.yaml,line=10,col=3,title=id/invalid::bad id, really: 50%25%0Asecond line',
    );
  });

  it('sorts by file, line and column and detects errors', () => {
    expect(sortDiagnostics(diagnostics).map((d) => d.file)).toEqual(['a.yaml', 'b.yaml']);
    expect(hasErrors(diagnostics)).toBe(true);
    expect(hasErrors(diagnostics.slice(0, 1))).toBe(false);
  });
});
