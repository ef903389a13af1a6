import { z } from 'zod';

/** The ledger record types of a migration (Annex E). */
export const MIGRATION_RECORD_TYPES = {
  /** The source handed the group off: a checkpoint and the hash of every file. */
  handoff: 'migration.handoff',
  /** The first run at the destination linked the hand-off with a consistency proof. */
  resumed: 'migration.resumed',
} as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');

/** One file of a hand-off record or bundle manifest. */
export const groupFileSchema = z.strictObject({
  /** The file's path, relative to the group directory. */
  path: z.string().min(1),
  /** The file's size in bytes. */
  size: z.number().int().nonnegative(),
  /** The SHA-256 of the file's content, 64 lowercase hex digits. */
  sha256: sha256Hex,
});

/** Body of `migration.handoff`. */
export const handoffRecordSchema = z.strictObject({
  /** The group id. */
  group: z.string(),
  /** The owner-signed checkpoint note of every entry before this one. */
  checkpoint: z.string(),
  /** Every file outside the ledger folder, sorted by path. */
  files: z.array(groupFileSchema),
  /** When the hand-off was written. */
  exported_at: z.string(),
});

/** The body of a `migration.handoff` record. */
export type HandoffRecord = z.infer<typeof handoffRecordSchema>;

/** Body of `migration.resumed`. */
export const resumedRecordSchema = z.strictObject({
  /** The hand-off entry this resumes. */
  handoff: z.strictObject({
    /** The hand-off entry's sequence number in the ledger. */
    seq: z.number().int().nonnegative(),
    /** The hand-off entry's hash. */
    hash: sha256Hex,
  }),
  /** The hand-off checkpoint's size and root. */
  checkpoint: z.strictObject({
    /** The number of ledger entries the checkpoint covers. */
    size: z.number().int().nonnegative(),
    /** The Merkle tree root of those entries. */
    root: sha256Hex,
  }),
  /** RFC 9162 consistency proof from the checkpoint's tree to the tree before this entry. */
  consistency: z.strictObject({
    /** The size of the tree the proof reaches (the entries before this one). */
    newSize: z.number().int().nonnegative(),
    /** The root of that tree. */
    newRoot: sha256Hex,
    /** The proof's hashes, in RFC 9162 order. */
    path: z.array(sha256Hex),
  }),
  /** The host the group now runs on. */
  host: z.string(),
});

/** The body of a `migration.resumed` record. */
export type ResumedRecord = z.infer<typeof resumedRecordSchema>;

/** The bundle manifest, `karnel-bundle.json` (Annex E, section 4). */
export const bundleManifestSchema = z.strictObject({
  /** The bundle format and its version. */
  format: z.literal('karnel.migration-bundle.v1'),
  /** The group id. */
  group: z.string(),
  /** The owner the ledger pins, who signed the hand-off and this manifest. */
  owner: z.string(),
  /** The ledger folder, relative to the group directory. */
  ledger: z.string(),
  /** The `migration.handoff` entry the bundle was written after. */
  handoff: z.strictObject({
    /** The hand-off entry's sequence number in the ledger. */
    seq: z.number().int().nonnegative(),
    /** The hand-off entry's hash. */
    hash: sha256Hex,
    /** The owner-signed checkpoint note the hand-off record holds. */
    checkpoint: z.string(),
  }),
  /** Every file of the group in the bundle, with its size and hash, sorted by path. */
  files: z.array(groupFileSchema),
  /** Every directory of the group, relative to the group directory (empty ones included). */
  directories: z.array(z.string()),
  /** The owner's signature over the rest of the manifest. */
  signature: z.string(),
});

/** The content of `karnel-bundle.json`. */
export type BundleManifest = z.infer<typeof bundleManifestSchema>;

/** The name of the bundle manifest inside the tar. */
export const BUNDLE_MANIFEST_NAME = 'karnel-bundle.json';

/** The prefix of every group file inside the tar. */
export const BUNDLE_GROUP_PREFIX = 'group/';
