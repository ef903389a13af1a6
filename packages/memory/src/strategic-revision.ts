import { hashJson, timestampSchema } from '@karnel/core';
import { z } from 'zod';
import { type StrategicMemory, strategicMemorySchema } from './strategic-memory';
import { strategicUpdateSchema } from './strategic-update';

/**
 * One line of `memory/strategic.history.jsonl`: a strategic state and how it came about.
 *
 * - `update`: typed updates applied through a store;
 * - `observed`: the file was found changed since the last revision (edited by hand, or an
 *   update cut short after its revision was logged) and the state found was recorded before
 *   anything else was applied, so it too stays recoverable.
 *
 * Imported revisions keep their own origin.
 */
export const strategicRevisionSchema = z.object({
  /** 1 for the first revision, then one more each time. */
  revision: z.number().int().min(1),
  /** When the revision was written. */
  at: timestampSchema,
  /** How the state came about. */
  origin: z.literal(['update', 'observed']),
  /** Who wrote it, when known. */
  writer: z
    .object({
      /** The writer's role in the group (`strategist`). */
      role: z.string().optional(),
      /** The writer's agent id. */
      id: z.string().optional(),
    })
    .optional(),
  /** Why, in the writer's words. */
  reason: z.string().optional(),
  /** The updates applied to the previous state (for `update` revisions). */
  updates: z.array(strategicUpdateSchema).optional(),
  /** The complete state after this revision. */
  state: strategicMemorySchema,
  /** `sha256:` and the SHA-256 of the state's canonical JSON, to notice edits made outside a store. */
  state_hash: z.string(),
});

/** One revision of strategic memory. */
export type StrategicRevision = z.infer<typeof strategicRevisionSchema>;

/** The `state_hash` of a strategic state. */
export function strategicStateHash(state: StrategicMemory): string {
  return `sha256:${hashJson(state)}`;
}
