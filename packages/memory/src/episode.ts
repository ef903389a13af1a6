import {
  type Clock,
  createId,
  type Id,
  idSchema,
  isId,
  isRfc3339,
  timestampSchema,
} from '@karnel/core';
import { z } from 'zod';
import { parseInput } from './parse-input';

/**
 * The form of an episode kind: lowercase words joined by `.`, `_`, `-` or `:`
 * (`run.completed`, `publication`, `plur.engram`). Kinds starting with `karnel.` are written by
 * Karnel itself (consolidation markers).
 */
export const EPISODE_KIND_PATTERN = /^[a-z][a-z0-9]*(?:[._:-][a-z0-9]+)*$/;

/** The kind of the marker episodes that record a consolidation (see `consolidateEpisodes`). */
export const CONSOLIDATION_KIND = 'karnel.consolidation';

/** A zod schema for an episode kind. */
export const episodeKindSchema = z.string().superRefine((value, context) => {
  if (!EPISODE_KIND_PATTERN.test(value)) {
    context.addIssue({
      code: 'custom',
      message: `"${value}" is not an episode kind: use lowercase words joined by ".", "_", "-" or ":" (e.g. run.completed)`,
      params: { diagnosticCode: 'memory/bad-kind' },
    });
  }
});

/**
 * One line of `memory/episodic.jsonl`: something that happened, when, and where the evidence
 * is. Episodes are never changed or removed once written.
 */
export const episodeSchema = z.strictObject({
  /** `epi_<ULID>`, unique within the memory. */
  id: idSchema('epi'),
  /** When it happened (RFC 3339). */
  at: timestampSchema,
  /** What sort of event it is (`run.completed`, `publication`, `note` …). */
  kind: episodeKindSchema,
  /** A human-readable account; this is what full-text search reads. Never blank. */
  text: z.string().superRefine((value, context) => {
    if (value.trim() === '') {
      context.addIssue({
        code: 'custom',
        message: 'an episode needs text: an empty account records nothing and cannot be found',
        params: { diagnosticCode: 'memory/empty-episode' },
      });
    }
  }),
  /** Who recorded it: a role (`strategist`) or an agent id. */
  actor: z.string().min(1).optional(),
  /** References to the evidence: ledger entries (`ledger/runs/run_…`), other episodes, URLs. */
  sources: z.array(z.string().min(1)).optional(),
  /** Free labels for filtering. */
  tags: z.array(z.string().min(1)).optional(),
  /** Structured details, any JSON. */
  data: z.record(z.string(), z.json()).optional(),
});

/** One episodic entry, as stored. */
export type Episode = Omit<z.infer<typeof episodeSchema>, 'id'> & {
  /** The episode's id (`epi_…`), typed so that it cannot be mixed up with other ids. */
  readonly id: Id<'epi'>;
};

/** What a caller gives to record an episode; the store fills in `id` and `at` when absent. */
export interface EpisodeInput {
  /** An existing id to keep (when importing); a new one is made otherwise. */
  id?: string;
  /** When it happened; defaults to the store's clock. */
  at?: string | Date;
  /** What sort of event it is. */
  kind: string;
  /** A human-readable account. */
  text: string;
  /** Who recorded it. */
  actor?: string;
  /** References to the evidence. */
  sources?: readonly string[];
  /** Free labels. */
  tags?: readonly string[];
  /** Structured details (JSON). */
  data?: Record<string, unknown>;
}

/**
 * Turns an {@link EpisodeInput} into a complete, validated {@link Episode}.
 *
 * @throws {InvalidArgumentError} when the input is not a valid episode (a blank `text` included).
 */
export function createEpisode(input: EpisodeInput, clock: Clock): Episode {
  const at =
    input.at === undefined
      ? clock.now().toISOString()
      : input.at instanceof Date
        ? input.at.toISOString()
        : input.at;
  const candidate = dropUndefined({
    // The id records when the episode was written; `at` records when it happened.
    id: input.id ?? createId('epi'),
    at,
    kind: input.kind,
    text: input.text,
    actor: input.actor,
    sources: input.sources && input.sources.length > 0 ? [...input.sources] : undefined,
    tags: input.tags && input.tags.length > 0 ? [...input.tags] : undefined,
    data: input.data,
  });
  // Ingest speed matters (an agent may log thousands of events per run): the common shape is
  // checked by hand, and only anything unusual goes through the schema, which also words the error.
  if (isPlainEpisode(candidate)) return candidate as Episode;
  return parseInput(episodeSchema, candidate, 'episode') as Episode;
}

/** A cheap check that accepts a subset of what {@link episodeSchema} accepts. */
function isPlainEpisode(candidate: Record<string, unknown>): boolean {
  const { id, at, kind, text, actor, sources, tags, data } = candidate;
  return (
    data === undefined &&
    isId(id, 'epi') &&
    typeof at === 'string' &&
    isRfc3339(at) &&
    typeof kind === 'string' &&
    EPISODE_KIND_PATTERN.test(kind) &&
    typeof text === 'string' &&
    text.trim() !== '' &&
    (actor === undefined || (typeof actor === 'string' && actor.length > 0)) &&
    (sources === undefined || isListOfNames(sources)) &&
    (tags === undefined || isListOfNames(tags))
  );
}

/** Whether `value` is an array of non-empty strings. */
export function isListOfNames(value: unknown): boolean {
  return (
    Array.isArray(value) && value.every((entry) => typeof entry === 'string' && entry.length > 0)
  );
}

/** Milliseconds since the epoch of an episode's (or item's) `at`. */
export function timeOf(record: { readonly at: string }): number {
  return Date.parse(record.at);
}

/** Copies `record` without its `undefined` members, so stored JSON has no `null` noise. */
export function dropUndefined<T extends Record<string, unknown>>(record: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) result[key] = value;
  return result as T;
}
