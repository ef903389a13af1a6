import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { createInterface } from 'node:readline';
import {
  createDiagnostic,
  type Diagnostic,
  hashJson,
  parseYaml,
  readYamlFile,
  type SourceDocument,
  validateDocument,
} from '@karnel/core';
import type { z } from 'zod';
import { CONSOLIDATION_KIND, episodeSchema } from './episode';
import { memoryLayout } from './memory-layout';
import { semanticItemSchema } from './semantic-item';
import { strategicMemorySchema } from './strategic-memory';
import { strategicRevisionSchema, strategicStateHash } from './strategic-revision';

/** Options of {@link validateMemoryDir}. */
export interface ValidateMemoryDirOptions {
  /** How to name the memory directory in diagnostics (e.g. `my-agent/memory`). Default: `dir` as given. */
  displayPath?: string;
}

/** Lines longer than this are reported rather than parsed. */
const MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Checks a memory directory against Annex A and returns every problem as a positioned
 * diagnostic: each line of `episodic.jsonl` (JSON syntax, the episode schema, duplicate ids,
 * consolidation markers that name unknown episodes), `semantic/items.jsonl`, `strategic.yaml`
 * (the schema, duplicate hypothesis ids) and `strategic.history.jsonl` (gaps, states that do
 * not match their hash, a current file that differs from the last revision).
 *
 * Never throws for the directory's content; a missing directory or file is not a problem (a
 * new agent has no memory yet). Large logs are read as streams.
 */
export async function validateMemoryDir(
  dir: string,
  { displayPath = dir }: ValidateMemoryDirOptions = {},
): Promise<Diagnostic[]> {
  const layout = memoryLayout(dir);
  const display = (name: string) => posix.join(displayPath.split('\\').join('/'), name);
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) {
      return [
        createDiagnostic({
          file: displayPath,
          code: 'file/not-a-directory',
          message: 'the memory path is not a directory',
        }),
      ];
    }
  } catch {
    return [];
  }
  const diagnostics: Diagnostic[] = [];
  diagnostics.push(...(await validateEpisodes(layout.episodic, display('episodic.jsonl'))));
  diagnostics.push(...(await validateItems(layout.semanticItems, display('semantic/items.jsonl'))));
  const strategic = await validateStrategic(layout.strategic, display('strategic.yaml'));
  diagnostics.push(...strategic.diagnostics);
  diagnostics.push(
    ...(await validateHistory(
      layout.strategicHistory,
      display('strategic.history.jsonl'),
      strategic.hash,
      display('strategic.yaml'),
    )),
  );
  return diagnostics;
}

interface Line {
  readonly number: number;
  readonly text: string;
  readonly value: unknown;
}

/**
 * Streams a JSON Lines file, reporting syntax errors, and hands each parsed line to `check`.
 * A last line without its newline is an interrupted append: a warning, since the next append
 * discards it.
 */
async function forEachJsonLine(
  path: string,
  file: string,
  diagnostics: Diagnostic[],
  check: (line: Line) => void,
): Promise<void> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      diagnostics.push(
        createDiagnostic({ file, code: 'file/not-a-file', message: 'expected a regular file' }),
      );
      return;
    }
    size = info.size;
  } catch {
    return;
  }
  if (size === 0) return;
  const endsWithNewline = await lastByteIsNewline(path, size);
  const reader = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  let pending: { number: number; text: string } | undefined;
  const handle = (entry: { number: number; text: string }, isLast: boolean) => {
    if (entry.text.trim() === '') return;
    if (isLast && !endsWithNewline) {
      diagnostics.push(
        createDiagnostic({
          file,
          line: entry.number,
          severity: 'warning',
          code: 'memory/torn-line',
          message:
            'the last line is incomplete (an append was interrupted); it was never acknowledged, and the next append removes it',
        }),
      );
      return;
    }
    if (entry.text.length > MAX_LINE_LENGTH) {
      diagnostics.push(
        createDiagnostic({
          file,
          line: entry.number,
          code: 'jsonl/line-too-long',
          message: `line is longer than ${MAX_LINE_LENGTH} characters`,
        }),
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(entry.text);
    } catch (error) {
      const position = /position (\d+)/.exec((error as Error).message);
      diagnostics.push(
        createDiagnostic({
          file,
          line: entry.number,
          column: position ? Number(position[1]) + 1 : 1,
          code: 'jsonl/syntax',
          message: `invalid JSON: ${(error as Error).message}`,
        }),
      );
      return;
    }
    check({ number: entry.number, text: entry.text, value });
  };
  for await (const text of reader) {
    number++;
    if (pending) handle(pending, false);
    pending = { number, text };
  }
  if (pending) handle(pending, true);
}

async function lastByteIsNewline(path: string, size: number): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** The document of one JSON line, for positions; its line numbers are shifted to the file's. */
function lineDocument(line: Line, file: string): SourceDocument {
  const document = parseYaml(line.text, file);
  return {
    file,
    value: line.value,
    diagnostics: [],
    position: (path, options) => {
      const { column } = document.position(path, options);
      return { line: line.number, column };
    },
  };
}

/** Validates one line against `schema`, positioning problems within the line. */
function checkRecord<Schema extends z.ZodType>(
  schema: Schema,
  line: Line,
  file: string,
  diagnostics: Diagnostic[],
): z.output<Schema> | undefined {
  const quick = schema.safeParse(line.value);
  if (quick.success) return quick.data;
  // Only failing lines pay for a positioned parse.
  const result = validateDocument(schema, lineDocument(line, file));
  diagnostics.push(...result.diagnostics);
  return result.value;
}

async function validateEpisodes(path: string, file: string): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const markers: Line[] = [];
  await forEachJsonLine(path, file, diagnostics, (line) => {
    const episode = checkRecord(episodeSchema, line, file, diagnostics);
    if (!episode) return;
    if (seen.has(episode.id)) {
      diagnostics.push(
        createDiagnostic({
          file,
          ...lineDocument(line, file).position(['id']),
          code: 'memory/duplicate-id',
          message: `episode id ${episode.id} was already used on an earlier line`,
        }),
      );
    }
    seen.add(episode.id);
    if (episode.kind === CONSOLIDATION_KIND) markers.push(line);
  });
  for (const line of markers) {
    const consolidated = (line.value as { data?: { episodes?: unknown } }).data?.episodes;
    if (!Array.isArray(consolidated)) {
      diagnostics.push(
        createDiagnostic({
          file,
          ...lineDocument(line, file).position(['data']),
          code: 'memory/bad-consolidation',
          message: `a ${CONSOLIDATION_KIND} episode lists the episodes it consolidated in data.episodes`,
        }),
      );
      continue;
    }
    consolidated.forEach((id, index) => {
      if (typeof id !== 'string' || !seen.has(id)) {
        diagnostics.push(
          createDiagnostic({
            file,
            ...lineDocument(line, file).position(['data', 'episodes', index]),
            severity: 'warning',
            code: 'memory/unknown-episode',
            message: `consolidation names episode ${JSON.stringify(id)}, which is not in the log`,
          }),
        );
      }
    });
  }
  return diagnostics;
}

async function validateItems(path: string, file: string): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  await forEachJsonLine(path, file, diagnostics, (line) => {
    checkRecord(semanticItemSchema, line, file, diagnostics);
  });
  return diagnostics;
}

async function validateStrategic(
  path: string,
  file: string,
): Promise<{ diagnostics: Diagnostic[]; hash: string | undefined }> {
  try {
    await stat(path);
  } catch {
    return { diagnostics: [], hash: undefined };
  }
  const document = await readYamlFile(path, { displayPath: file });
  if (document.value === undefined && document.diagnostics.length === 0)
    return { diagnostics: [], hash: strategicStateHash({}) };
  const { value, diagnostics } = validateDocument(strategicMemorySchema, document);
  const found = [...diagnostics];
  const ids = new Map<string, number>();
  value?.hypotheses?.forEach((hypothesis, index) => {
    if (ids.has(hypothesis.id)) {
      found.push(
        createDiagnostic({
          file,
          ...document.position(['hypotheses', index, 'id']),
          code: 'strategic/duplicate-hypothesis',
          message: `hypothesis id ${hypothesis.id} is already used by hypotheses[${ids.get(hypothesis.id)}]`,
        }),
      );
    } else ids.set(hypothesis.id, index);
  });
  return { diagnostics: found, hash: value ? strategicStateHash(value) : undefined };
}

async function validateHistory(
  path: string,
  file: string,
  currentHash: string | undefined,
  strategicFile: string,
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  let last: { revision: number; hash: string } | undefined;
  await forEachJsonLine(path, file, diagnostics, (line) => {
    const revision = checkRecord(strategicRevisionSchema, line, file, diagnostics);
    if (!revision) return;
    const position = lineDocument(line, file);
    const expected = (last?.revision ?? 0) + 1;
    if (revision.revision !== expected) {
      diagnostics.push(
        createDiagnostic({
          file,
          ...position.position(['revision']),
          code: 'strategic/history-gap',
          message: `revision ${revision.revision} follows revision ${expected - 1}; expected ${expected}`,
        }),
      );
    }
    if (revision.state_hash !== `sha256:${hashJson(revision.state)}`) {
      diagnostics.push(
        createDiagnostic({
          file,
          ...position.position(['state_hash']),
          code: 'strategic/history-hash',
          message: `revision ${revision.revision}'s state does not match its state_hash; the line was altered`,
        }),
      );
    }
    last = { revision: revision.revision, hash: revision.state_hash };
  });
  if (last && currentHash !== undefined && currentHash !== last.hash) {
    diagnostics.push(
      createDiagnostic({
        file: strategicFile,
        severity: 'info',
        code: 'strategic/unrecorded-change',
        message: `the file differs from the last recorded revision (${last.revision}); the next update records it as an observed revision`,
      }),
    );
  }
  return diagnostics;
}
