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
import { dropUndefined, EPISODE_KIND_PATTERN, episodeKindSchema, isListOfNames } from './episode';
import { parseInput } from './parse-input';

/**
 * One item of the semantic tier: a piece of knowledge worth retrieving (a fact, a summary of
 * consolidated episodes, a document), with where it came from. Items are what `search` returns.
 * Writing an item with an existing id replaces it.
 */
export const semanticItemSchema = z.strictObject({
  /** `mem_<ULID>`, unique within the memory. */
  id: idSchema('mem'),
  /** When the item was written (RFC 3339). */
  at: timestampSchema,
  /** The knowledge itself; this is what search reads and embedders embed. */
  text: z.string().min(1),
  /** An optional short title, searched together with the text. */
  title: z.string().min(1).optional(),
  /** What sort of item it is (`fact`, `summary`, `document` …). */
  kind: episodeKindSchema.optional(),
  /** Where the knowledge comes from: episode ids, ledger refs, file paths, URLs. */
  sources: z.array(z.string().min(1)),
  /** Free labels for filtering. */
  tags: z.array(z.string().min(1)).optional(),
  /** Structured details, any JSON. */
  data: z.record(z.string(), z.json()).optional(),
});

/** One semantic item, as stored. */
export type SemanticItem = Omit<z.infer<typeof semanticItemSchema>, 'id'> & {
  /** The item's id (`mem_…`), typed so that it cannot be mixed up with other ids. */
  readonly id: Id<'mem'>;
};

/** What a caller gives to write a semantic item; the store fills in `id` and `at` when absent. */
export interface SemanticItemInput {
  /** The id to write (replacing an existing item with that id); a new one is made otherwise. */
  id?: string;
  /** When the item was written; defaults to the store's clock. */
  at?: string | Date;
  /** The knowledge itself. */
  text: string;
  /** A short title. */
  title?: string;
  /** What sort of item it is. */
  kind?: string;
  /** Where the knowledge comes from. */
  sources?: readonly string[];
  /** Free labels. */
  tags?: readonly string[];
  /** Structured details (JSON). */
  data?: Record<string, unknown>;
}

/**
 * Turns a {@link SemanticItemInput} into a complete, validated {@link SemanticItem}.
 *
 * @throws {InvalidArgumentError} when the input is not a valid item.
 */
export function createSemanticItem(input: SemanticItemInput, clock: Clock): SemanticItem {
  const at =
    input.at === undefined
      ? clock.now().toISOString()
      : input.at instanceof Date
        ? input.at.toISOString()
        : input.at;
  const candidate = dropUndefined({
    id: input.id ?? createId('mem'),
    at,
    text: input.text,
    title: input.title,
    kind: input.kind,
    sources: [...(input.sources ?? [])],
    tags: input.tags && input.tags.length > 0 ? [...input.tags] : undefined,
    data: input.data,
  });
  if (isPlainItem(candidate)) return candidate as SemanticItem;
  return parseInput(semanticItemSchema, candidate, 'item') as SemanticItem;
}

/** A cheap check that accepts a subset of what {@link semanticItemSchema} accepts. */
function isPlainItem(candidate: Record<string, unknown>): boolean {
  const { id, at, text, title, kind, sources, tags, data } = candidate;
  return (
    data === undefined &&
    isId(id, 'mem') &&
    typeof at === 'string' &&
    isRfc3339(at) &&
    typeof text === 'string' &&
    text.length > 0 &&
    (title === undefined || (typeof title === 'string' && title.length > 0)) &&
    (kind === undefined || (typeof kind === 'string' && EPISODE_KIND_PATTERN.test(kind))) &&
    isListOfNames(sources) &&
    (tags === undefined || isListOfNames(tags))
  );
}

/** The text an item is searched and embedded by: its title (when any) and its text. */
export function searchableText(item: Pick<SemanticItem, 'title' | 'text'>): string {
  return item.title ? `${item.title}\n${item.text}` : item.text;
}
