import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Clock, isWithin, openInside, type Signer, systemClock } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { resolveOwner, sameIdentity, signPayload } from '@karnel/policy';
import { pack as createPack, type Pack } from 'tar-stream';
import { groupLifecycleState } from '../lifecycle/group-lifecycle-state';
import { type GroupFile, hashFileAt, listGroupPaths } from './group-files';
import { MigrationError } from './migration-error';
import {
  BUNDLE_GROUP_PREFIX,
  BUNDLE_MANIFEST_NAME,
  type BundleManifest,
  MIGRATION_RECORD_TYPES,
} from './migration-records';
import { locateGroup } from './open-group';
import { type ReadRuntimeLeaseOptions, readRuntimeLease } from './runtime-lease';

/** Options of {@link exportGroup}. */
export interface ExportGroupOptions {
  /** The group directory. */
  readonly dir: string;
  /** Where to write the bundle (a tar file). It must not exist yet. */
  readonly bundle: string;
  /** The owner's key: signs the checkpoint, the hand-off record and the bundle manifest. */
  readonly signer: Signer;
  /** Where the hand-off time comes from. Default: the system clock. */
  readonly clock?: Clock;
  /** How the runtime lease is judged (tests). */
  readonly lease?: ReadRuntimeLeaseOptions;
}

/** What {@link exportGroup} wrote. */
export interface ExportedGroup {
  /** The bundle file. */
  readonly bundle: string;
  /** The group id. */
  readonly group: string;
  /** The `migration.handoff` entry's seq and hash. */
  readonly handoff: {
    /** The hand-off entry's sequence number in the ledger. */
    readonly seq: number;
    /** The hand-off entry's hash. */
    readonly hash: string;
  };
  /** The hand-off checkpoint's size and root. */
  readonly checkpoint: {
    /** The number of ledger entries the checkpoint covers. */
    readonly size: number;
    /** The Merkle tree root of those entries, in hex. */
    readonly root: string;
  };
  /** Number of files in the bundle. */
  readonly files: number;
  /** Total bytes of those files. */
  readonly bytes: number;
}

/** Writes one tar entry and resolves when the pack accepted it. */
function addEntry(
  pack: Pack,
  header: Parameters<Pack['entry']>[0],
  content: Uint8Array | ((entry: ReturnType<Pack['entry']>) => Promise<void>) = new Uint8Array(),
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolvePromise());
    if (content instanceof Uint8Array) {
      pack.entry(header, content, done);
      return;
    }
    const entry = pack.entry(header, done);
    content(entry).catch(reject);
  });
}

const EPOCH = new Date(0);

/**
 * Hands a group off (Annex E, section 2): refuses while a live runtime holds the group's lease,
 * checks that `signer` is the owner the ledger pins, waits for pending ledger appends, appends
 * an owner-signed `migration.handoff` record (a signed checkpoint of every entry before it and
 * the SHA-256 of every file outside the ledger), and writes the bundle: a tar of the directory
 * with `karnel-bundle.json` last, listing the hash of every file. Each file is hashed as it is
 * packed; a file outside the ledger that changed since the hand-off record fails the export.
 *
 * From the hand-off on the folder is `handed-off` (see `groupLifecycleState`): runs are refused
 * there until the owner resumes it.
 *
 * A dissolved group (final: its directory is the archive) and a group already handed off (it
 * runs where its bundle was imported; the owner cancels with `group.resumed` first) are refused.
 *
 * @throws {MigrationError} `migration/running`, `migration/not-owner`, `migration/unsafe-path`,
 *   `migration/changed`, `migration/destination`; `migration/invalid` for a dissolved or
 *   handed-off group.
 */
export async function exportGroup({
  dir,
  bundle,
  signer,
  clock = systemClock,
  lease: leaseOptions,
}: ExportGroupOptions): Promise<ExportedGroup> {
  const group = await locateGroup(dir);
  const current = await groupLifecycleState(group.dir);
  if (current.state === 'dissolved' || current.state === 'handed-off') {
    const entry = current.since ? ` at ledger entry ${current.since.seq}` : '';
    throw new MigrationError({
      code: 'migration/invalid',
      problems: [
        current.state === 'dissolved'
          ? `the group was dissolved${entry}: dissolution is final, and the directory stays as the archive; it is not handed off again`
          : `the group was already handed off${entry}: import that bundle, or cancel the hand-off with "karnel group resume" before exporting again`,
      ],
    });
  }
  const lease = await readRuntimeLease(group.dir, leaseOptions);
  if (lease.state === 'live') {
    throw new MigrationError({
      code: 'migration/running',
      problems: [
        `the group is running (${lease.why}); stop its runtime (it releases the lease and parks running runs) before exporting`,
      ],
    });
  }
  if (isWithin(group.dir, resolve(bundle))) {
    throw new MigrationError({
      code: 'migration/destination',
      problems: [`${bundle} is inside the group directory; write the bundle elsewhere`],
    });
  }
  if (
    await stat(bundle).then(
      () => true,
      () => false,
    )
  ) {
    throw new MigrationError({
      code: 'migration/destination',
      problems: [`${bundle} already exists; choose another bundle path`],
    });
  }
  // Hash what travels before the hand-off, so the owner signs the files as they are.
  const before = await listGroupPaths(group.dir);
  const inLedger = (path: string) =>
    path === group.ledgerPath || path.startsWith(`${group.ledgerPath}/`);
  const signedFiles: GroupFile[] = [];
  for (const file of before.files) {
    if (inLedger(file.path)) continue;
    signedFiles.push({ path: file.path, ...(await hashFileAt(join(group.dir, file.path))) });
  }
  const ledger = await openLedger(group.ledgerDir, { signer, clock });
  let handoff: { seq: number; hash: string };
  let checkpoint: { size: number; root: string; text: string };
  let owner: string;
  try {
    owner = (await resolveOwner({ ledger, claimed: group.claimedOwner, signer })).owner;
    if (!sameIdentity(owner, signer.did)) {
      throw new MigrationError({
        code: 'migration/not-owner',
        problems: [
          `the key ${signer.did} is not the group's owner (${owner}); only the owner hands a group off`,
        ],
      });
    }
    // checkpoint() reads the chain as it is on disk once every queued append is written.
    checkpoint = await ledger.checkpoint(signer);
    const entry = await ledger.append({
      type: MIGRATION_RECORD_TYPES.handoff,
      body: {
        group: group.id,
        checkpoint: checkpoint.text,
        files: signedFiles.map((file) => ({ ...file })),
        exported_at: clock.now().toISOString(),
      },
    });
    handoff = { seq: entry.seq, hash: entry.hash };
  } finally {
    await ledger.close();
  }

  const after = await listGroupPaths(group.dir);
  const signedByPath = new Map(signedFiles.map((file) => [file.path, file]));
  const outside = after.files.filter((file) => !inLedger(file.path));
  const changed: string[] = [];
  for (const file of outside)
    if (!signedByPath.has(file.path)) changed.push(`${file.path}: appeared during the export`);
  for (const file of signedFiles)
    if (!outside.some((other) => other.path === file.path))
      changed.push(`${file.path}: disappeared during the export`);
  if (changed.length > 0)
    throw new MigrationError({ code: 'migration/changed', problems: changed });

  const partial = `${bundle}.partial-${process.pid}`;
  const pack = createPack();
  const output = pipeline(pack, createWriteStream(partial, { flags: 'wx' }));
  const files: GroupFile[] = [];
  let bytes = 0;
  try {
    for (const directory of after.directories)
      await addEntry(pack, {
        name: `${BUNDLE_GROUP_PREFIX}${directory}/`,
        type: 'directory',
        mode: 0o755,
        mtime: EPOCH,
      });
    for (const file of after.files) {
      const hash = createHash('sha256');
      let size = 0;
      await addEntry(
        pack,
        {
          name: `${BUNDLE_GROUP_PREFIX}${file.path}`,
          type: 'file',
          size: file.size,
          mode: file.mode & 0o111 ? 0o755 : 0o644,
          mtime: EPOCH,
        },
        file.size === 0
          ? new Uint8Array()
          : async (entry) => {
              // Opened inside the group only: a file that became a link since it was listed is
              // refused (OutsideRootError), its target never bundled.
              const handle = await openInside(group.dir, join(group.dir, file.path));
              for await (const chunk of handle.createReadStream({
                end: file.size - 1,
                highWaterMark: 1 << 20,
              })) {
                const buffer = chunk as Buffer;
                hash.update(buffer);
                size += buffer.length;
                if (!entry.write(buffer))
                  await new Promise<void>((resolveDrain) => entry.once('drain', resolveDrain));
              }
              entry.end(undefined);
            },
      );
      const digest = { path: file.path, size, sha256: hash.digest('hex') };
      const signed = signedByPath.get(file.path);
      if (
        size !== file.size ||
        (signed && (signed.sha256 !== digest.sha256 || signed.size !== size))
      )
        changed.push(`${file.path}: changed during the export`);
      files.push(digest);
      bytes += size;
    }
    if (changed.length > 0)
      throw new MigrationError({ code: 'migration/changed', problems: changed });
    const unsigned = {
      format: 'karnel.migration-bundle.v1' as const,
      group: group.id,
      owner,
      ledger: group.ledgerPath,
      handoff: { ...handoff, checkpoint: checkpoint.text },
      files,
      directories: [...after.directories],
    };
    const manifest: BundleManifest = { ...unsigned, signature: signPayload(unsigned, signer) };
    const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await addEntry(
      pack,
      { name: BUNDLE_MANIFEST_NAME, type: 'file', size: text.length, mode: 0o644, mtime: EPOCH },
      text,
    );
    pack.finalize();
    await output;
    await rename(partial, bundle);
  } catch (error) {
    pack.destroy();
    await output.catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  return {
    bundle,
    group: group.id,
    handoff,
    checkpoint: { size: checkpoint.size, root: checkpoint.root },
    files: files.length,
    bytes,
  };
}
