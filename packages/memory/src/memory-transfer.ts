import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type Clock,
  createDiagnostic,
  type Diagnostic,
  hasErrors,
  systemClock,
  writeFileAtomic,
} from '@karnel/core';
import { z } from 'zod';
import { assertMemoryStore } from './assert-memory-store';
import { type Episode, episodeSchema } from './episode';
import type { MemoryStore } from './memory-store';
import { type SemanticItem, semanticItemSchema } from './semantic-item';
import { type StrategicRevision, strategicRevisionSchema } from './strategic-revision';

/** The `format` of a memory export's first line. */
export const MEMORY_EXPORT_FORMAT = 'karnel-memory-export';

/** The first line of a memory export: what it is and how much follows. */
export const memoryExportHeaderSchema = z.strictObject({
  /** Always {@link MEMORY_EXPORT_FORMAT}. */
  format: z.literal(MEMORY_EXPORT_FORMAT),
  /** The export format's version: 1. */
  version: z.literal(1),
  /** When the export was made. */
  exported_at: z.string(),
  /** The backend it was exported from. */
  backend: z.string(),
  /** How many records of each kind follow; an import refuses a file with fewer (a cut-off copy). */
  counts: z.strictObject({
    /** Episode lines. */
    episodes: z.number().int().min(0),
    /** Semantic item lines. */
    semantic: z.number().int().min(0),
    /** Strategic revision lines. */
    strategic_revisions: z.number().int().min(0),
  }),
});

/** The header of a memory export. */
export type MemoryExportHeader = z.infer<typeof memoryExportHeaderSchema>;

const recordSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('episode'), episode: episodeSchema }),
  z.strictObject({ type: z.literal('semantic'), item: semanticItemSchema }),
  z.strictObject({ type: z.literal('strategic-revision'), revision: strategicRevisionSchema }),
]);

/** The content of a memory export, read back. */
export interface MemoryExport {
  /** The first line, when it was valid. */
  readonly header: MemoryExportHeader | undefined;
  /** Every episode, in the order exported (oldest first). */
  readonly episodes: readonly Episode[];
  /** Every semantic item. */
  readonly items: readonly SemanticItem[];
  /** The strategic history, oldest first. */
  readonly revisions: readonly StrategicRevision[];
  /** Problems, with line numbers; any error means the export must not be imported. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The lines (without newlines) of a memory export: a JSON Lines file holding a header, every
 * episode, every semantic item and the whole strategic history. Embeddings are not exported:
 * they belong to an embedding model, and the importing store makes its own.
 */
export async function exportMemoryLines(
  store: MemoryStore,
  { clock = systemClock }: { clock?: Clock } = {},
): Promise<string[]> {
  assertMemoryStore(store);
  const [episodes, items, revisions] = await Promise.all([
    store.readEpisodes(),
    store.listSemantic(),
    store.strategicHistory(),
  ]);
  const header: MemoryExportHeader = {
    format: MEMORY_EXPORT_FORMAT,
    version: 1,
    exported_at: clock.now().toISOString(),
    backend: store.backend,
    counts: {
      episodes: episodes.length,
      semantic: items.length,
      strategic_revisions: revisions.length,
    },
  };
  return [
    JSON.stringify(header),
    ...episodes.map((episode) => JSON.stringify({ type: 'episode', episode })),
    ...items.map((item) => JSON.stringify({ type: 'semantic', item })),
    ...revisions.map((revision) => JSON.stringify({ type: 'strategic-revision', revision })),
  ];
}

/** Writes {@link exportMemoryLines} to `path` atomically and resolves with the header's counts. */
export async function exportMemoryToFile(
  store: MemoryStore,
  path: string,
  options: { clock?: Clock } = {},
): Promise<MemoryExportHeader['counts']> {
  const lines = await exportMemoryLines(store, options);
  await writeFileAtomic(path, `${lines.join('\n')}\n`);
  return (JSON.parse(lines[0]!) as MemoryExportHeader).counts;
}

/**
 * Reads and checks a memory export without importing it. Never throws for the file's content:
 * problems come back as diagnostics naming the line.
 */
export async function readMemoryExport(
  path: string,
  { displayPath = path }: { displayPath?: string } = {},
): Promise<MemoryExport> {
  const diagnostics: Diagnostic[] = [];
  const episodes: Episode[] = [];
  const items: SemanticItem[] = [];
  const revisions: StrategicRevision[] = [];
  let header: MemoryExportHeader | undefined;
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a file');
  } catch {
    return {
      header,
      episodes,
      items,
      revisions,
      diagnostics: [
        createDiagnostic({
          file: displayPath,
          code: 'file/missing',
          message: 'the export file does not exist or is not a file',
        }),
      ],
    };
  }
  const reader = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const text of reader) {
    number++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      diagnostics.push(
        createDiagnostic({
          file: displayPath,
          line: number,
          code: 'jsonl/syntax',
          message: `invalid JSON: ${(error as Error).message}`,
        }),
      );
      continue;
    }
    if (number === 1) {
      const parsed = memoryExportHeaderSchema.safeParse(value);
      if (parsed.success) header = parsed.data;
      else
        diagnostics.push(
          createDiagnostic({
            file: displayPath,
            line: 1,
            code: 'memory/bad-export-header',
            message: `not a Karnel memory export (version 1): ${parsed.error.issues[0]!.message}`,
          }),
        );
      continue;
    }
    const parsed = recordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      diagnostics.push(
        createDiagnostic({
          file: displayPath,
          line: number,
          code: 'memory/bad-export-record',
          message: `${issue.path.join('.') || 'record'}: ${issue.message}`,
        }),
      );
      continue;
    }
    const record = parsed.data;
    if (record.type === 'episode') episodes.push(record.episode as Episode);
    else if (record.type === 'semantic') items.push(record.item as SemanticItem);
    else revisions.push(record.revision);
  }
  if (number === 0)
    diagnostics.push(
      createDiagnostic({
        file: displayPath,
        code: 'memory/bad-export-header',
        message: 'the export file is empty',
      }),
    );
  if (header) {
    const found = {
      episodes: episodes.length,
      semantic: items.length,
      strategic_revisions: revisions.length,
    };
    for (const key of Object.keys(found) as (keyof typeof found)[]) {
      if (found[key] < header.counts[key]) {
        diagnostics.push(
          createDiagnostic({
            file: displayPath,
            line: number,
            code: 'memory/export-truncated',
            message: `the header announces ${header.counts[key]} ${key.replace('_', ' ')} but the file holds ${found[key]}; it was cut off`,
          }),
        );
      }
    }
  }
  return { header, episodes, items, revisions, diagnostics };
}

/** What an import or a copy did. */
export interface MemoryTransferReport {
  /** Episodes added to the target. */
  readonly episodesAdded: number;
  /** Episodes the target already had (same id), left as they were. */
  readonly episodesSkipped: number;
  /** Semantic items written (added or replaced). */
  readonly semanticWritten: number;
  /** Strategic revisions added to the target's history. */
  readonly strategicRevisionsAdded: number;
}

/** Options of {@link importMemory} and {@link copyMemory}. */
export interface MemoryTransferOptions {
  /** Records per write. Default 1000. */
  batchSize?: number;
}

/**
 * Writes the content of a memory export into `store`: episodes it lacks (by id), every semantic
 * item, and the strategic revisions it lacks. Importing the same export twice changes nothing
 * the second time. An export with any error is refused as a whole — `report` is then
 * `undefined` and `diagnostics` says why — so a damaged file never yields a partial memory.
 */
export async function importMemory(
  store: MemoryStore,
  content: MemoryExport,
  options: MemoryTransferOptions = {},
): Promise<{
  /** What was written; `undefined` when the export has errors and nothing was written. */
  report: MemoryTransferReport | undefined;
  /** The export's problems, as read; any error means nothing was imported. */
  diagnostics: readonly Diagnostic[];
}> {
  assertMemoryStore(store);
  if (!content.header || hasErrors(content.diagnostics))
    return { report: undefined, diagnostics: content.diagnostics };
  const report = await writeAll(store, content.episodes, content.items, content.revisions, options);
  return { report, diagnostics: content.diagnostics };
}

/**
 * Copies one memory into another, whatever their backends — e.g. a group moving from the files
 * backend to LanceDB — without losing a row: every episode (ids and times kept), every semantic
 * item, and the strategic history (unless both stores share the directory, and so the history).
 * Safe to run again: what the target already has is skipped.
 */
export async function copyMemory(
  from: MemoryStore,
  to: MemoryStore,
  options: MemoryTransferOptions = {},
): Promise<MemoryTransferReport> {
  assertMemoryStore(from);
  assertMemoryStore(to);
  const [episodes, items] = await Promise.all([from.readEpisodes(), from.listSemantic()]);
  const revisions = resolve(from.dir) === resolve(to.dir) ? [] : await from.strategicHistory();
  return writeAll(to, episodes, items, revisions, options);
}

async function writeAll(
  store: MemoryStore,
  episodes: readonly Episode[],
  items: readonly SemanticItem[],
  revisions: readonly StrategicRevision[],
  { batchSize = 1000 }: MemoryTransferOptions,
): Promise<MemoryTransferReport> {
  let episodesAdded = 0;
  for (let start = 0; start < episodes.length; start += batchSize) {
    const written = await store.appendEpisodes(episodes.slice(start, start + batchSize), {
      ifExists: 'skip',
    });
    episodesAdded += written.length;
  }
  let semanticWritten = 0;
  for (let start = 0; start < items.length; start += batchSize) {
    semanticWritten += (await store.upsertSemantic(items.slice(start, start + batchSize))).length;
  }
  const strategicRevisionsAdded =
    revisions.length > 0 ? await store.importStrategicHistory(revisions) : 0;
  return {
    episodesAdded,
    episodesSkipped: episodes.length - episodesAdded,
    semanticWritten,
    strategicRevisionsAdded,
  };
}
