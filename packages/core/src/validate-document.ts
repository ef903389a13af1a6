import type { z } from 'zod';
import { createDiagnostic, type Diagnostic, hasErrors, type Severity } from './diagnostic';
import type { DocumentPath, SourceDocument } from './source-document';
import { closestMatch } from './suggest';

/** The result of {@link validateDocument}. */
export interface DocumentValidation<T> {
  /** The typed value; present only when there are no errors (warnings allow a value). */
  readonly value: T | undefined;
  /** Everything found: the document's own parse diagnostics first, then schema problems. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parameters a schema's custom issue may carry (`ctx.addIssue({ code: 'custom', message, path,
 * params: { diagnosticCode: 'manifest/bad-owner' } })`) to choose its diagnostic code.
 */
export interface IssueParams {
  /** The diagnostic code to report instead of `schema/custom`. */
  diagnosticCode?: string;
  /** Report the issue as a warning or note instead of an error; the value is still rejected. */
  severity?: Severity;
}

/**
 * Checks a parsed document against a zod schema and turns every problem into a positioned
 * diagnostic.
 *
 * Schemas for user files should be strict objects (`z.strictObject`): a field the schema does
 * not know becomes a *warning* (`schema/unknown-field`, with "did you mean …?" when a known field
 * is one typo away), is dropped, and the rest of the file is still validated and returned.
 * Everything else is an error at the offending value's line and column.
 */
export function validateDocument<Schema extends z.ZodType>(
  schema: Schema,
  document: SourceDocument,
): DocumentValidation<z.output<Schema>> {
  const diagnostics: Diagnostic[] = [...document.diagnostics];
  if (document.value === undefined || document.value === null) {
    if (!hasErrors(diagnostics)) {
      diagnostics.push(
        createDiagnostic({
          file: document.file,
          code: 'schema/empty',
          message: 'document is empty',
        }),
      );
    }
    return { value: undefined, diagnostics };
  }
  let input: unknown = structuredClone(document.value);
  // Each round strips the unknown keys the previous one reported; nested unknown keys inside a
  // value that failed for another reason can surface one level at a time, hence the loop.
  for (let round = 0; round < 8; round++) {
    const result = schema.safeParse(input);
    if (result.success) return { value: result.data, diagnostics };
    const unknownKeyIssues = result.error.issues.filter(
      (issue) => issue.code === 'unrecognized_keys',
    );
    const otherIssues = result.error.issues.filter((issue) => issue.code !== 'unrecognized_keys');
    for (const issue of unknownKeyIssues) {
      const known = knownKeysAt(schema, issue.path as DocumentPath);
      for (const key of (issue as { keys: string[] }).keys) {
        const path = [...(issue.path as DocumentPath), key];
        const suggestion = closestMatch(key, known);
        diagnostics.push(
          createDiagnostic({
            file: document.file,
            ...document.position(path, { key: true }),
            severity: 'warning',
            code: 'schema/unknown-field',
            message: `unknown field "${formatPath(path)}"; it is ignored`,
            hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
          }),
        );
        deleteAt(input, path);
      }
    }
    if (otherIssues.length > 0) {
      for (const issue of otherIssues) diagnostics.push(issueToDiagnostic(issue, document, input));
      return { value: undefined, diagnostics: dedupe(diagnostics) };
    }
    if (unknownKeyIssues.length === 0) break;
    input = structuredClone(input);
  }
  return { value: undefined, diagnostics };
}

function issueToDiagnostic(
  issue: z.core.$ZodIssue,
  document: SourceDocument,
  input: unknown,
): Diagnostic {
  const path = issue.path as DocumentPath;
  const where = formatPath(path);
  const params = (issue as { params?: IssueParams }).params ?? {};
  const base = { file: document.file, ...document.position(path) };
  if (issue.code === 'invalid_type' && valueAt(input, path) === undefined) {
    return createDiagnostic({
      ...base,
      code: 'schema/missing-field',
      message: `missing required field "${where}"`,
    });
  }
  let message = issue.message;
  if (issue.code === 'invalid_value' && 'values' in issue) {
    const allowed = (issue.values as unknown[]).map((value) => JSON.stringify(value));
    const actual = valueAt(input, path);
    const suggestion =
      typeof actual === 'string'
        ? closestMatch(actual, (issue.values as unknown[]).map(String))
        : undefined;
    return createDiagnostic({
      ...base,
      code: 'schema/invalid-value',
      message: `"${where}" is ${JSON.stringify(actual)}; expected one of ${allowed.join(', ')}`,
      hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
    });
  }
  if (issue.code === 'invalid_type') {
    message = `expected ${issue.expected}, found ${describe(valueAt(input, path))}`;
  }
  return createDiagnostic({
    ...base,
    severity: params.severity ?? 'error',
    code: params.diagnosticCode ?? `schema/${issue.code.replace(/_/g, '-')}`,
    message: where ? `"${where}": ${message}` : message,
  });
}

/** Formats a path as `a.b[0].c`. */
export function formatPath(path: DocumentPath): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text ? `.${segment}` : segment;
  }
  return text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: DocumentPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node == null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function deleteAt(root: unknown, path: DocumentPath): void {
  const parent = valueAt(root, path.slice(0, -1));
  if (parent != null && typeof parent === 'object')
    delete (parent as Record<string | number, unknown>)[path.at(-1)!];
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    const key = `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}:${diagnostic.code}:${diagnostic.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface ZodDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  getter?: () => z.ZodType;
}

/** The field names a schema allows at `path`, best effort, for "did you mean" hints. */
function knownKeysAt(schema: z.ZodType, path: DocumentPath): string[] {
  let candidates: z.ZodType[] = [schema];
  for (const segment of path) {
    candidates = candidates.flatMap((candidate) => children(candidate, segment));
  }
  return [...new Set(candidates.flatMap((candidate) => Object.keys(objectShapes(candidate))))];
}

function definition(schema: z.ZodType): ZodDefinition {
  return (schema as unknown as { _zod: { def: ZodDefinition } })._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType[] {
  const def = definition(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return unwrap(def.innerType!);
    case 'pipe':
      return unwrap(def.in!);
    case 'lazy':
      return unwrap(def.getter!());
    case 'union':
      return def.options!.flatMap(unwrap);
    default:
      return [schema];
  }
}

function objectShapes(schema: z.ZodType): Record<string, z.ZodType> {
  const shapes: Record<string, z.ZodType> = {};
  for (const candidate of unwrap(schema)) {
    const def = definition(candidate);
    if (def.type === 'object' && def.shape) Object.assign(shapes, def.shape);
  }
  return shapes;
}

function children(schema: z.ZodType, segment: string | number): z.ZodType[] {
  return unwrap(schema).flatMap((candidate) => {
    const def = definition(candidate);
    if (def.type === 'object' && def.shape && typeof segment === 'string' && def.shape[segment])
      return [def.shape[segment]];
    if (def.type === 'array' && def.element && typeof segment === 'number') return [def.element];
    if (def.type === 'record' && def.valueType) return [def.valueType];
    return [];
  });
}
