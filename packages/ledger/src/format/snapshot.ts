import { z } from 'zod';

/** The committed state of one data file, as a snapshot records it. */
export const snapshotFileSchema = z.strictObject({
  /** Ledger-relative path. */
  path: z.string(),
  /** Committed length in bytes. */
  size: z.number().int().nonnegative(),
  /** SHA-256 of the committed bytes `[0, size)`, hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Whether the file is append-only. */
  append: z.boolean().optional(),
});

/** {@link snapshotFileSchema}'s type. */
export type SnapshotFile = z.infer<typeof snapshotFileSchema>;

/**
 * The body of a `ledger.snapshot` entry: everything a reader needs to continue the chain
 * without the entries before it. Snapshot-and-supersede archiving moves those entries to
 * `archive/`; a verifier without the archive starts from the (signed) snapshot.
 */
export const snapshotBodySchema = z.strictObject({
  /** Number of entries before the snapshot (its own seq). */
  size: z.number().int().nonnegative(),
  /** Merkle tree hash of those entries, hex. */
  root: z.string().regex(/^[0-9a-f]{64}$/),
  /** Roots of the perfect subtrees of that tree, largest first: the tree's right edge. */
  frontier: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  /** The ledger's checkpoint origin (it names the ledger by its first entry). */
  origin: z.string(),
  /** Every data file the chain had committed, with its committed length and digest. */
  files: z.array(snapshotFileSchema),
  /** Runs: steps so far and whether they finished. */
  runs: z.array(
    z.strictObject({
      /** The run's id. */
      id: z.string(),
      /** Steps recorded so far. */
      steps: z.number().int().nonnegative(),
      /** Whether the run has finished. */
      finished: z.boolean(),
    }),
  ),
  /** Decisions and whether their outcome was recorded. */
  decisions: z.array(
    z.strictObject({
      /** The decision's id. */
      id: z.string(),
      /** Whether its outcome has been recorded. */
      outcome: z.boolean(),
    }),
  ),
  /** Lines of `coordination_log.jsonl` committed so far. */
  coordination_lines: z.number().int().nonnegative(),
});

/** {@link snapshotBodySchema}'s type. */
export type SnapshotBody = z.infer<typeof snapshotBodySchema>;

/** The record type of snapshot entries. */
export const SNAPSHOT_TYPE = 'ledger.snapshot';

/** Parses a snapshot body; returns a message when it is not one. */
export function parseSnapshotBody(body: unknown): SnapshotBody | string {
  const result = snapshotBodySchema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  return `invalid snapshot body at ${issue.path.join('.') || '(root)'}: ${issue.message}`;
}
