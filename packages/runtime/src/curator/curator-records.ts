import { z } from 'zod';

/** The ledger record types the curator writes. */
export const CURATOR_RECORD_TYPES = {
  /** One pass: its grades, the snapshot taken before it, first sightings, flagged hypotheses. */
  pass: 'curator.pass',
  /** One change to the skill library, with before/after file hashes and the before bytes. */
  mutation: 'curator.mutation',
  /** A mutation undone, with before/after file hashes. */
  rollback: 'curator.rollback',
} as const;

/** A file's path (relative to the group directory) and content hash. */
export const fileHashSchema = z.strictObject({
  /** The file's path, relative to the group directory. */
  path: z.string(),
  /** The file's size in bytes. */
  size: z.number().int().nonnegative(),
  /** The SHA-256 of the file's content, in hex. */
  sha256: z.string(),
});

/** One file's path and hash. */
export type FileHash = z.infer<typeof fileHashSchema>;

/** Body of `curator.mutation`. */
export const curatorMutationSchema = z.strictObject({
  /** The mutation id (`ent_…`), what `karnel curator rollback` takes. */
  mutation: z.string(),
  /** The pass it belongs to. */
  pass: z.string(),
  /** What was done; only `archive` today (a skill moved to `.archive/`, never deleted). */
  action: z.literal('archive'),
  /** The skill's name. */
  skill: z.string(),
  /** Its folder before, relative to the group. */
  from: z.string(),
  /** Its folder after. */
  to: z.string(),
  /** Why, in one sentence. */
  reason: z.string(),
  /** The files before the mutation (under `from`), with their hashes. */
  before: z.array(fileHashSchema),
  /** The files after the mutation (under `to`), with their hashes. */
  after: z.array(fileHashSchema),
});

/** The body of a `curator.mutation` record. */
export type CuratorMutation = z.infer<typeof curatorMutationSchema>;
