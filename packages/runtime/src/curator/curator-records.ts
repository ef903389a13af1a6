import { z } from 'zod';

/** The ledger record types the curator writes. */
export const CURATOR_RECORD_TYPES = {
  /** One pass: its grades, the snapshot taken before it, first sightings, flagged hypotheses. */
  pass: 'curator.pass',
  /** One change to the skill library, with before/after file hashes and the before bytes. */
  mutation: 'curator.mutation',
  /** A mutation undone, with before/after file hashes. */
  rollback: 'curator.rollback',
  /**
   * What the optional model pass proposed (never applied), what was filtered out of its answer
   * and why, its cost — or the error that ended it.
   */
  proposals: 'curator.proposals',
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

const skillNameSchema = z.string().min(1).max(64);
const reasonSchema = z.string().min(1).max(1000);

/**
 * One consolidation the model pass proposes. Proposals are only reported and ledgered: the
 * curator never applies them.
 */
export const curatorProposalSchema = z.discriminatedUnion('action', [
  z.strictObject({
    /** Merge two or more skills into one. */
    action: z.literal('merge'),
    /** The skills to merge. */
    skills: z.array(skillNameSchema).min(2).max(10),
    /** The name of the merged skill (new, or one of `skills`). */
    into: skillNameSchema,
    /** What the merged skill should say it does. */
    description: z.string().min(1).max(1024).optional(),
    /** Why, in one or two sentences. */
    reason: reasonSchema,
  }),
  z.strictObject({
    /** Rewrite a skill's description (what it does and when to use it). */
    action: z.literal('rewrite-description'),
    /** The skill. */
    skill: skillNameSchema,
    /** The new description. */
    description: z.string().min(1).max(1024),
    /** Why. */
    reason: reasonSchema,
  }),
  z.strictObject({
    /** Retire a skill (archive it; nothing is ever deleted). */
    action: z.literal('retire'),
    /** The skill. */
    skill: skillNameSchema,
    /** Why. */
    reason: reasonSchema,
  }),
]);

/** One proposal of the model pass. */
export type CuratorProposal = z.infer<typeof curatorProposalSchema>;

/** The answer the model pass asks the model for (structured output). */
export const curatorProposalsSchema = z.strictObject({
  /** The proposals; an empty list when the library needs nothing. */
  proposals: z.array(curatorProposalSchema).max(50),
});

/** A proposal dropped from the model's answer, and why. */
export const filteredProposalSchema = z.strictObject({
  /** The proposal as the model gave it. */
  proposal: curatorProposalSchema,
  /** Why it was dropped (a protected or pinned skill, a skill that does not exist). */
  reason: z.string(),
});

/** A proposal dropped from the model's answer. */
export type FilteredProposal = z.infer<typeof filteredProposalSchema>;
