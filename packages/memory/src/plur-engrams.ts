import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Clock,
  createDiagnostic,
  type Diagnostic,
  isIsoDate,
  isRfc3339,
  readYamlFile,
  type SourceDocument,
  systemClock,
  validateDocument,
} from '@karnel/core';
import { z } from 'zod';
import { derivedId } from './derived-id';
import type { EpisodeInput } from './episode';
import type { MemoryStore } from './memory-store';

/** The episode kind plur engrams are imported as. */
export const PLUR_ENGRAM_KIND = 'plur.engram';

/**
 * The fields of an engram this adapter reads, after the Open Engram Standard v1 (plur-ai/plur,
 * `spec/ENGRAM-STANDARD-v1.md` §4, and its reference schema `packages/core/src/schemas/engram.ts`):
 * `id`, `statement`, `status`, `type` and `scope` are required; every other field is optional,
 * and fields this adapter does not know are kept (the standard's open-world rule).
 */
export const plurEngramSchema = z.looseObject({
  /** `ENG-…`, `ABS-…` or `META-…`. */
  id: z
    .string()
    .regex(
      /^(ENG|ABS|META)-[A-Za-z0-9-]+$/,
      'an engram id is ENG-, ABS- or META- followed by letters, digits and dashes',
    ),
  /** The assertion. */
  statement: z.string().min(1),
  /** Lifecycle state. */
  status: z.literal(['active', 'dormant', 'retired', 'candidate']),
  /** Knowledge class. */
  type: z.literal(['behavioral', 'terminological', 'procedural', 'architectural']),
  /** Namespace, e.g. `global` or `project:my-app`. */
  scope: z.string(),
  /** Why it holds. */
  rationale: z.string().optional(),
  /** Domain path, e.g. `dev/testing`. */
  domain: z.string().optional(),
  /** Free tags. */
  tags: z.array(z.string()).optional(),
  /** When the knowledge was learned (bi-temporal anchoring). */
  temporal: z
    .looseObject({
      /** When the knowledge was learned; the best date for the episode. */
      learned_at: z.string().optional(),
      /** When plur took the engram in. */
      ingested_at: z.string().optional(),
    })
    .optional(),
  /** One entry per write of the engram, with its time. */
  sources: z
    .array(
      z.looseObject({
        /** When this write happened. */
        stored_at: z.string().optional(),
      }),
    )
    .optional(),
  /** Retrieval state, including the last access date. */
  activation: z
    .looseObject({
      /** When the engram was last retrieved. */
      last_accessed: z.string().optional(),
    })
    .optional(),
});

/** One engram as read (unknown fields included). */
export type PlurEngram = z.infer<typeof plurEngramSchema>;

/** Options of {@link readPlurEngrams}. */
export interface ReadPlurEngramsOptions {
  /** How to name the file in diagnostics. Default: the path as given. */
  displayPath?: string;
  /** Import retired engrams too (as history). Default `true`. */
  includeRetired?: boolean;
  /** The time given to engrams that carry none at all. Default: the system clock's now. */
  clock?: Clock;
}

/** What {@link readPlurEngrams} returns. */
export interface PlurEngramsRead {
  /** One episode per valid engram, ready for `appendEpisodes` (ids are derived, so imports repeat safely). */
  readonly episodes: readonly EpisodeInput[];
  /** Problems found, positioned in the YAML file. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Reads a plur engram store — an `engrams.yaml` file, or a pack folder containing one — and
 * turns each engram into an episode of kind `plur.engram`:
 *
 * - `text`: the statement, and the rationale when there is one;
 * - `at`: when the engram was learned (`temporal.learned_at`, else its first write
 *   `sources[0].stored_at`, else `temporal.ingested_at`, else the date in a date-sequenced id,
 *   else `activation.last_accessed`);
 * - `sources`: `plur:<engram id>`; `tags`: the engram's tags;
 * - `data.plur`: the whole engram, unknown fields included, so nothing is lost.
 *
 * Never throws for the file's content: invalid engrams are skipped and reported.
 */
export async function readPlurEngrams(
  path: string,
  { displayPath, includeRetired = true, clock = systemClock }: ReadPlurEngramsOptions = {},
): Promise<PlurEngramsRead> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'engrams.yaml');
  } catch {
    // readYamlFile reports the missing file.
  }
  const shown = displayPath ?? file;
  const document = await readYamlFile(file, { displayPath: shown, maxBytes: 64 * 1024 * 1024 });
  const diagnostics: Diagnostic[] = [...document.diagnostics];
  if (document.value === undefined) return { episodes: [], diagnostics };
  const root = document.value as { engrams?: unknown };
  if (root === null || typeof root !== 'object' || !Array.isArray(root.engrams)) {
    diagnostics.push(
      createDiagnostic({
        file: shown,
        ...document.position([]),
        code: 'plur/no-engrams',
        message: 'an engram store is a YAML mapping with an "engrams" list',
      }),
    );
    return { episodes: [], diagnostics };
  }
  const episodes: EpisodeInput[] = [];
  const seen = new Set<string>();
  root.engrams.forEach((value: unknown, index: number) => {
    const { value: engram, diagnostics: found } = validateDocument(
      plurEngramSchema,
      subDocument(document, ['engrams', index], value),
    );
    diagnostics.push(...found.filter((diagnostic) => diagnostic.code !== 'schema/unknown-field'));
    if (!engram) return;
    if (seen.has(engram.id)) {
      diagnostics.push(
        createDiagnostic({
          file: shown,
          ...document.position(['engrams', index, 'id']),
          severity: 'warning',
          code: 'plur/duplicate-id',
          message: `engram ${engram.id} appears again; only its first occurrence is imported`,
        }),
      );
      return;
    }
    seen.add(engram.id);
    if (!includeRetired && engram.status === 'retired') return;
    const at = learnedAt(engram) ?? clock.now().toISOString();
    episodes.push({
      id: derivedId('epi', Date.parse(at), `plur:${engram.id}`),
      at,
      kind: PLUR_ENGRAM_KIND,
      text: engram.rationale
        ? `${engram.statement}\n\nRationale: ${engram.rationale}`
        : engram.statement,
      sources: [`plur:${engram.id}`],
      tags: (engram.tags ?? []).filter((tag) => tag.length > 0),
      data: { plur: JSON.parse(JSON.stringify(value)) as Record<string, unknown> },
    });
  });
  return { episodes, diagnostics };
}

/**
 * Reads a plur engram store ({@link readPlurEngrams}) and appends its engrams to `store`'s
 * episodic tier. Engrams imported before are skipped, so the import can be repeated as the
 * store grows.
 */
export async function importPlurEngrams(
  store: MemoryStore,
  path: string,
  options: ReadPlurEngramsOptions = {},
): Promise<{
  /** Engrams appended as new episodes. */
  added: number;
  /** Engrams already in the store from an earlier import, left alone. */
  skipped: number;
  /** Problems reading the engram store, each with its position. */
  diagnostics: readonly Diagnostic[];
}> {
  const { episodes, diagnostics } = await readPlurEngrams(path, options);
  const added =
    episodes.length === 0 ? [] : await store.appendEpisodes(episodes, { ifExists: 'skip' });
  return { added: added.length, skipped: episodes.length - added.length, diagnostics };
}

function learnedAt(engram: PlurEngram): string | undefined {
  const candidates = [
    engram.temporal?.learned_at,
    engram.sources?.[0]?.stored_at,
    engram.temporal?.ingested_at,
    dateInId(engram.id),
    engram.activation?.last_accessed,
  ];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    if (isRfc3339(candidate)) return new Date(candidate).toISOString();
    if (isIsoDate(candidate)) return `${candidate}T00:00:00.000Z`;
  }
  return undefined;
}

/** The date of a date-sequenced id: `ENG-2026-05-06-003`, the legacy `ENG-2026-0506-003`, with or without a store prefix. */
function dateInId(id: string): string | undefined {
  const match = /-(\d{4})-(\d{2})-?(\d{2})-[A-Za-z0-9]+$/.exec(id);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

function subDocument(
  document: SourceDocument,
  prefix: readonly (string | number)[],
  value: unknown,
): SourceDocument {
  return {
    file: document.file,
    value,
    diagnostics: [],
    position: (path, options) => document.position([...prefix, ...path], options),
  };
}
