/**
 * Every diagnostic code `@karnel/manifest` reports with a fixed name, as listed in
 * `spec/spec.md` ("Diagnostic codes"). Programs can switch on them; they only ever grow.
 */
export const MANIFEST_DIAGNOSTIC_CODES = [
  'path/not-found',
  'path/not-a-directory',
  'manifest/unknown-kind',
  'schema/empty',
  'schema/invalid-type',
  'schema/unprocessable',
  'spec/missing-version',
  'spec/invalid-version',
  'spec/unsupported-version',
  'spec/newer-version',
  'spec/unquoted-version',
  'spec/upgraded',
  'id/invalid',
  'time/invalid',
  'identity/invalid',
  'text/control-character',
  'contact/invalid',
  'member/duplicate-role',
  'member/missing-contact',
  'member/role-mismatch',
  'member/kind-mismatch',
  'member/foreign-needs-adapter',
  'member/unreferenced-file',
  'member/unknown-cadence',
  'adapter/missing-endpoint',
  'adapter/invalid-endpoint',
  'adapter/secret-value',
  'adapter/field-not-for-type',
  'ref/escapes',
  'ref/not-found',
  'ref/not-a-file',
  'ref/not-a-directory',
  'ref/not-an-agent',
  'ref/registry-unresolved',
  'component/not-applicable',
  'component/invalid',
  'yaml/unreadable',
] as const;

/**
 * A diagnostic code of `@karnel/manifest`: one of {@link MANIFEST_DIAGNOSTIC_CODES}, or one of
 * the families `@karnel/core` names after what it found while reading — `schema/<zod issue>`
 * (`schema/unknown-field`, `schema/missing-field`, `schema/invalid-value` …), `yaml/<parser
 * error>` and `file/<problem>` (`file/missing`, `file/unreadable`, `file/too-large` …).
 */
export type ManifestDiagnosticCode =
  | (typeof MANIFEST_DIAGNOSTIC_CODES)[number]
  | `schema/${string}`
  | `yaml/${string}`
  | `file/${string}`;

const fixed: ReadonlySet<string> = new Set(MANIFEST_DIAGNOSTIC_CODES);
const families = /^(schema|yaml|file)\/[a-z0-9-]+$/;

/** Whether `code` is a {@link ManifestDiagnosticCode}. */
export function isManifestDiagnosticCode(code: string): code is ManifestDiagnosticCode {
  return fixed.has(code) || families.test(code);
}
