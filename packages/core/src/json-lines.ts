import { parseDocument } from 'yaml';
import { createDiagnostic, type Diagnostic } from './diagnostic';

/** One parsed line of a JSON Lines file. */
export interface JsonLine {
  /** 1-based line number. */
  readonly line: number;
  /** The parsed value. */
  readonly value: unknown;
  /** The raw text of the line, without its newline. */
  readonly text: string;
}

/** The result of {@link parseJsonLines}. */
export interface JsonLinesResult {
  /** Lines that parsed. */
  readonly records: JsonLine[];
  /** Lines that did not, with their line and column. */
  readonly diagnostics: Diagnostic[];
  /**
   * Whether the text ends in a partial line with no newline: the signature of a write cut short
   * by a crash. Such a line is reported in `diagnostics` only if it is also not valid JSON.
   */
  readonly tornTail: boolean;
}

/**
 * Parses JSON Lines text (one JSON value per line; empty lines ignored), reporting each bad line
 * at its line and the column where JSON parsing failed.
 */
export function parseJsonLines(text: string, file: string): JsonLinesResult {
  const records: JsonLine[] = [];
  const diagnostics: Diagnostic[] = [];
  const lines = text.split('\n');
  const tornTail = text.length > 0 && !text.endsWith('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineText.trim() === '') continue;
    try {
      records.push({ line: index + 1, value: JSON.parse(lineText), text: lineText });
    } catch (error) {
      const message = (error as Error).message;
      const column = errorColumn(lineText, message);
      const torn = tornTail && index === lines.length - 1;
      diagnostics.push(
        createDiagnostic({
          file,
          line: index + 1,
          column,
          code: torn ? 'jsonl/torn-line' : 'jsonl/syntax',
          message: torn
            ? 'last line is incomplete (a write was cut short)'
            : `invalid JSON: ${message}`,
        }),
      );
    }
  }
  return { records, diagnostics, tornTail };
}

/**
 * The 1-based column where `line` stops being JSON. V8's messages carry a position only for
 * some errors, so fall back to the YAML parser (JSON is YAML 1.2 flow syntax) for the others.
 */
function errorColumn(line: string, message: string): number {
  const position = /position (\d+)/.exec(message);
  if (position) return Number(position[1]) + 1;
  const yamlError = parseDocument(line).errors[0];
  if (yamlError) return yamlError.pos[0] + 1;
  const token = /Unexpected token '(.)'/.exec(message);
  if (token) return line.indexOf(token[1]!) + 1;
  return 1;
}
