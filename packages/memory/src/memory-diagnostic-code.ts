/**
 * Every diagnostic code this package reports, so that a program can switch over them.
 *
 * - `file/…`: a path is missing, or of the wrong type.
 * - `jsonl/…`: a line of a JSON Lines file is not JSON, or too long to read.
 * - `memory/…`: a record of `episodic.jsonl` or `semantic/items.jsonl` is damaged, duplicated or
 *   refers to something missing; a memory export is incomplete; `memory/torn-line` is a last
 *   line cut short by a crash (recovered by the next append, and reported).
 * - `strategic/…`: the strategic history disagrees with itself or with `strategic.yaml`.
 * - `plur/…`: a plur engram store cannot be imported.
 * - `schema/…`, `yaml/…` and `time/invalid`: from validating a record against its schema
 *   (see `@karnel/core`).
 */
export type MemoryDiagnosticCode =
  | 'file/missing'
  | 'file/not-a-directory'
  | 'file/not-a-file'
  | 'jsonl/line-too-long'
  | 'jsonl/syntax'
  | 'memory/bad-consolidation'
  | 'memory/bad-export-header'
  | 'memory/bad-export-record'
  | 'memory/bad-kind'
  | 'memory/bad-record'
  | 'memory/duplicate-id'
  | 'memory/empty-episode'
  | 'memory/export-truncated'
  | 'memory/torn-line'
  | 'memory/unknown-episode'
  | 'plur/duplicate-id'
  | 'plur/no-engrams'
  | 'strategic/duplicate-hypothesis'
  | 'strategic/history-gap'
  | 'strategic/history-hash'
  | 'strategic/unrecorded-change'
  | 'time/invalid'
  | `schema/${string}`
  | `yaml/${string}`;

/** A diagnostic this package reports, with its code narrowed to {@link MemoryDiagnosticCode}. */
export interface MemoryDiagnostic {
  /** The file, as given to the reader. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** What went wrong, as a stable code. */
  readonly code: MemoryDiagnosticCode;
  /** Whether the problem makes the memory invalid. */
  readonly severity: 'error' | 'warning' | 'info';
  /** One sentence a user can act on. */
  readonly message: string;
}
