import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { escapeTerminalText, formatDiagnostics, hasErrors, writeFileAtomic } from '@karnel/core';
import {
  type LedgerEntry,
  parseCheckpoint,
  readLedgerEntries,
  verifyCheckpointSignatures,
  verifyLedger,
} from '@karnel/ledger';
import { readPinnedOwner, sameIdentity, verifyPayload } from '@karnel/policy';
import { directoryChecks, ledgerCheck, validatePaths } from '@karnel/validate';
import { extract as createExtract } from 'tar-stream';
import { ownerSignedEntries } from '../lifecycle/owner-signed-entries';
import { unsafeBundlePath } from './bundle-path';
import type { GroupFile } from './group-files';
import { MigrationError, type MigrationErrorCode } from './migration-error';
import {
  BUNDLE_GROUP_PREFIX,
  BUNDLE_MANIFEST_NAME,
  type BundleManifest,
  bundleManifestSchema,
  handoffRecordSchema,
  MIGRATION_RECORD_TYPES,
} from './migration-records';
import { locateGroup } from './open-group';
import {
  type RequirementProblem,
  type ResolveRequirementsOptions,
  resolveRequirements,
} from './resolve-requirements';

/** The machine-local note an import leaves, so that the first run resumes the hand-off. */
export const MIGRATION_IMPORT_NOTE = '.karnel/migration-import.json';

/** Options of {@link importGroup}. */
export interface ImportGroupOptions {
  /** The bundle file. */
  readonly bundle: string;
  /** Where the group goes: a path that does not exist yet, or an empty folder. */
  readonly into: string;
  /** Refuse unless the bundle's owner is this identity (did:key or `ed25519:`). */
  readonly expectOwner?: string;
  /** How tiers and adapters are resolved on this machine; `false` skips that report. */
  readonly requirements?: ResolveRequirementsOptions | false;
  /** Largest bundle manifest accepted, in bytes. Default 64 MiB. */
  readonly maxManifestBytes?: number;
}

/** What {@link importGroup} did. */
export interface ImportedGroup {
  /** The group directory now in place. */
  readonly dir: string;
  /** The group id. */
  readonly group: string;
  /** The owner the ledger pins (and that signed the hand-off). */
  readonly owner: string;
  /** The hand-off entry this import carries. */
  readonly handoff: {
    /** The hand-off entry's sequence number in the ledger. */
    readonly seq: number;
    /** The hand-off entry's hash. */
    readonly hash: string;
  };
  /** Number of files. */
  readonly files: number;
  /** Ledger entries verified. */
  readonly entries: number;
  /** Warnings of the validation (errors refuse the import). */
  readonly warnings: string;
  /** What could not be resolved on this machine (tiers, adapters); empty when all resolved. */
  readonly unresolved: readonly RequirementProblem[];
}

function refuse(code: MigrationErrorCode, problems: readonly string[]): never {
  throw new MigrationError({ code, problems: problems.map((line) => escapeTerminalText(line)) });
}

async function isEmptyOrMissing(path: string): Promise<'missing' | 'empty' | 'taken'> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return 'taken';
    return (await readdir(path)).length === 0 ? 'empty' : 'taken';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/** Unpacks the bundle into `staging`, hashing each file; refuses unsafe or duplicate entries. */
async function unpack(
  bundle: string,
  staging: string,
  maxManifestBytes: number,
): Promise<{ manifestText: string; files: Map<string, GroupFile>; directories: Set<string> }> {
  const files = new Map<string, GroupFile>();
  const directories = new Set<string>();
  let manifestText: string | undefined;
  const extract = createExtract();
  const source = pipeline(createReadStream(bundle), extract);
  const problems: string[] = [];
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      const isDirectory = type === 'directory';
      const trimmed = isDirectory && name.endsWith('/') ? name.slice(0, -1) : name;
      if (trimmed === BUNDLE_MANIFEST_NAME && type === 'file') {
        if (manifestText !== undefined) problems.push(`${BUNDLE_MANIFEST_NAME}: appears twice`);
        if (entry.header.size > maxManifestBytes) {
          problems.push(`${BUNDLE_MANIFEST_NAME}: larger than ${maxManifestBytes} bytes`);
          entry.resume();
          continue;
        }
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        manifestText = Buffer.concat(chunks).toString('utf8');
        continue;
      }
      if (!trimmed.startsWith(BUNDLE_GROUP_PREFIX)) {
        problems.push(`${name}: is outside group/ in the bundle (unsafe path)`);
        entry.resume();
        continue;
      }
      const path = trimmed.slice(BUNDLE_GROUP_PREFIX.length);
      const unsafe = unsafeBundlePath(path);
      if (unsafe) {
        problems.push(`${name}: unsafe path: ${unsafe}`);
        entry.resume();
        continue;
      }
      if (!isDirectory && type !== 'file') {
        problems.push(`${name}: is a ${type}; only files and folders travel (unsafe path)`);
        entry.resume();
        continue;
      }
      if (files.has(path) || directories.has(path)) {
        problems.push(`${name}: appears twice`);
        entry.resume();
        continue;
      }
      const target = join(staging, path);
      if (isDirectory) {
        directories.add(path);
        await mkdir(target, { recursive: true });
        entry.resume();
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      const hash = createHash('sha256');
      let size = 0;
      const output = createWriteStream(target, {
        flags: 'wx',
        mode: entry.header.mode & 0o111 ? 0o755 : 0o644,
      });
      for await (const chunk of entry) {
        const buffer = chunk as Buffer;
        hash.update(buffer);
        size += buffer.length;
        if (!output.write(buffer))
          await new Promise<void>((resolveDrain) => output.once('drain', resolveDrain));
      }
      await new Promise<void>((resolveEnd, reject) => {
        output.once('error', reject);
        output.end(resolveEnd);
      });
      files.set(path, { path, size, sha256: hash.digest('hex') });
    }
    await source;
  } catch (error) {
    await source.catch(() => undefined);
    if (MigrationError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      refuse('migration/unsafe-path', [
        `the bundle writes one file twice (${String((error as Error).message)})`,
      ]);
    refuse('migration/malformed-bundle', [
      `${basename(bundle)} is not a readable tar bundle: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
  if (problems.length > 0) refuse('migration/unsafe-path', problems);
  if (manifestText === undefined)
    refuse('migration/malformed-bundle', [
      `${basename(bundle)}: has no ${BUNDLE_MANIFEST_NAME}; is it a Karnel migration bundle?`,
    ]);
  return { manifestText, files, directories };
}

function parseManifest(text: string): BundleManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    refuse('migration/malformed-bundle', [
      `${BUNDLE_MANIFEST_NAME}: is not JSON (${(error as Error).message})`,
    ]);
  }
  const parsed = bundleManifestSchema.safeParse(json);
  if (!parsed.success)
    refuse(
      'migration/malformed-bundle',
      parsed.error.issues.map(
        (issue) => `${BUNDLE_MANIFEST_NAME}: ${issue.path.join('.') || '(top)'}: ${issue.message}`,
      ),
    );
  return parsed.data;
}

/** Compares the unpacked files with the manifest's list, naming every difference. */
function compareFiles(
  manifest: BundleManifest,
  files: Map<string, GroupFile>,
  directories: Set<string>,
): void {
  const listed = new Map(manifest.files.map((file) => [file.path, file]));
  const mismatch: string[] = [];
  const missing: string[] = [];
  const extra: string[] = [];
  for (const [path, expected] of listed) {
    const actual = files.get(path);
    if (!actual)
      missing.push(`${path}: listed in ${BUNDLE_MANIFEST_NAME} but missing from the bundle`);
    else if (actual.size !== expected.size || actual.sha256 !== expected.sha256)
      mismatch.push(
        `${path}: its content differs from ${BUNDLE_MANIFEST_NAME} (sha256 ${actual.sha256}, expected ${expected.sha256})`,
      );
  }
  for (const path of files.keys())
    if (!listed.has(path))
      extra.push(`${path}: is in the bundle but not listed in ${BUNDLE_MANIFEST_NAME}`);
  const listedDirectories = new Set(manifest.directories);
  for (const path of directories)
    if (!listedDirectories.has(path))
      extra.push(`${path}/: is in the bundle but not listed in ${BUNDLE_MANIFEST_NAME}`);
  if (mismatch.length > 0) refuse('migration/hash-mismatch', [...mismatch, ...missing, ...extra]);
  if (missing.length > 0) refuse('migration/missing-file', [...missing, ...extra]);
  if (extra.length > 0) refuse('migration/extra-file', extra);
}

/** Checks the ledger, the owner, the checkpoint and the hand-off record (Annex E, 5.3–5.4). */
async function checkLedger(
  staging: string,
  manifest: BundleManifest,
  files: Map<string, GroupFile>,
  expectOwner: string | undefined,
): Promise<{ owner: string; entries: number }> {
  const ledgerDir = join(staging, manifest.ledger);
  // One pass over the chain: the owner in force (pinned, then signed rotations) and the
  // migration records, each with whether the owner in force signed it.
  let owner: string | undefined;
  let handoff: LedgerEntry | undefined;
  let handoffSigned = false;
  try {
    for await (const owned of ownerSignedEntries(ledgerDir, ['migration'])) {
      owner = owned.owner;
      if (owned.entry.seq === manifest.handoff.seq) {
        handoff = owned.entry;
        handoffSigned = owned.signedByOwner;
      }
    }
  } catch (error) {
    refuse('migration/ledger', [
      `${manifest.ledger}: does not verify: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
  if (!owner) {
    const pinned = await readPinnedOwner({
      entries: () => readLedgerEntries(ledgerDir, { type: 'owner' }),
    });
    owner = pinned.owner;
  }
  if (!owner)
    refuse('migration/ledger', [
      `${manifest.ledger}: pins no owner; the hand-off cannot be checked`,
    ]);
  if (!sameIdentity(owner, manifest.owner))
    refuse('migration/bad-signature', [
      `${BUNDLE_MANIFEST_NAME}: names the owner ${manifest.owner}, but the ledger pins ${owner}`,
    ]);
  if (!verifyPayload(manifest, manifest.signature, owner))
    refuse('migration/bad-signature', [
      `${BUNDLE_MANIFEST_NAME}: its signature is not the owner's (${owner})`,
    ]);
  if (expectOwner !== undefined && !sameIdentity(expectOwner, owner))
    refuse('migration/not-owner', [`the bundle's owner is ${owner}, not ${expectOwner}`]);
  const parsedCheckpoint = parseCheckpoint(
    manifest.handoff.checkpoint,
    `${BUNDLE_MANIFEST_NAME} handoff.checkpoint`,
  );
  const checkpoint = parsedCheckpoint.checkpoint;
  if (!checkpoint)
    refuse(
      'migration/ledger',
      parsedCheckpoint.diagnostics.map((diagnostic) => diagnostic.message),
    );
  const signatures = verifyCheckpointSignatures(checkpoint, { trustedKeys: [owner] });
  if (!signatures.ok || signatures.trustedSigners.length === 0)
    refuse('migration/ledger', ['the hand-off checkpoint is not signed by the owner']);
  const report = await verifyLedger(ledgerDir, { checkpoint });
  if (!report.ok)
    refuse('migration/ledger', [
      `${manifest.ledger}: does not verify:\n${formatDiagnostics(report.diagnostics.filter((d) => d.severity === 'error'))}`,
    ]);
  if (checkpoint.size !== manifest.handoff.seq)
    refuse('migration/ledger', [
      `the hand-off checkpoint covers ${checkpoint.size} entries, but the hand-off record is entry ${manifest.handoff.seq}`,
    ]);
  if (report.entries !== manifest.handoff.seq + 1)
    refuse('migration/ledger', [
      `${manifest.ledger}: has ${report.entries} entries; the hand-off record (entry ${manifest.handoff.seq}) must be the last`,
    ]);
  if (
    !handoff ||
    handoff.seq !== manifest.handoff.seq ||
    handoff.hash !== manifest.handoff.hash ||
    handoff.type !== MIGRATION_RECORD_TYPES.handoff
  )
    refuse('migration/ledger', [
      `entry ${manifest.handoff.seq} is not the hand-off record ${BUNDLE_MANIFEST_NAME} names`,
    ]);
  if (!handoffSigned)
    refuse('migration/ledger', [
      `the hand-off record (entry ${handoff.seq}) is not signed by the owner ${owner}`,
    ]);
  const body = handoffRecordSchema.safeParse(handoff.body);
  if (
    !body.success ||
    body.data.checkpoint !== manifest.handoff.checkpoint ||
    body.data.group !== manifest.group
  )
    refuse('migration/ledger', [
      `the hand-off record (entry ${handoff.seq}) does not match ${BUNDLE_MANIFEST_NAME}`,
    ]);
  const inLedger = (path: string) =>
    path === manifest.ledger || path.startsWith(`${manifest.ledger}/`);
  const signed = new Map(body.data.files.map((file) => [file.path, file]));
  const problems: string[] = [];
  for (const file of files.values()) {
    if (inLedger(file.path)) continue;
    const expected = signed.get(file.path);
    if (!expected) problems.push(`${file.path}: was not in the directory the owner handed off`);
    else if (expected.sha256 !== file.sha256 || expected.size !== file.size)
      problems.push(`${file.path}: differs from what the owner handed off`);
  }
  for (const path of signed.keys())
    if (!files.has(path))
      problems.push(`${path}: the owner handed it off, but the bundle lacks it`);
  if (problems.length > 0) refuse('migration/ledger', problems);
  return { owner, entries: report.entries };
}

/**
 * Imports a migration bundle (Annex E, section 5). Unpacks it into a hidden folder next to
 * `into`, then checks, before anything is visible at `into`: every tar path (no absolute path,
 * `..`, link or duplicate), every file's size and SHA-256 against `karnel-bundle.json` (a
 * changed, missing or extra file is named), the manifest's owner signature, the ledger end to
 * end with the owner-signed hand-off checkpoint and record, and the directory's validation
 * (`@karnel/validate`). Then it resolves the group's tiers and adapters on this machine and
 * reports what it could not, and moves the folder into place. It leaves `.karnel/migration-import.json`
 * so that the first run resumes the hand-off (see {@link appendMigrationResumed}).
 *
 * @throws {MigrationError} naming every file or entry at fault; nothing is left at `into`.
 */
export async function importGroup({
  bundle,
  into,
  expectOwner,
  requirements = {},
  maxManifestBytes = 64 * 1024 * 1024,
}: ImportGroupOptions): Promise<ImportedGroup> {
  const target = resolve(into);
  const place = await isEmptyOrMissing(target);
  if (place === 'taken')
    refuse('migration/destination', [
      `${into}: already exists and is not an empty folder; import into a new path`,
    ]);
  await stat(bundle).catch(() =>
    refuse('migration/malformed-bundle', [`${bundle}: no such bundle file`]),
  );
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.importing-`));
  try {
    const { manifestText, files, directories } = await unpack(bundle, staging, maxManifestBytes);
    const manifest = parseManifest(manifestText);
    const ledgerUnsafe = unsafeBundlePath(manifest.ledger);
    if (ledgerUnsafe)
      refuse('migration/unsafe-path', [
        `${BUNDLE_MANIFEST_NAME}: ledger ${manifest.ledger} ${ledgerUnsafe}`,
      ]);
    compareFiles(manifest, files, directories);
    // The ledger checks and the validation only read the staged copy: run them side by side.
    // The ledger was verified by checkLedger; the other checks run as `karnel validate` runs them.
    const validating = validatePaths(['.'], {
      cwd: staging,
      checks: directoryChecks.filter((check) => check !== ledgerCheck),
    });
    const { owner, entries } = await checkLedger(staging, manifest, files, expectOwner).catch(
      async (error: unknown) => {
        await validating.catch(() => undefined);
        throw error;
      },
    );
    const validation = await validating;
    if (hasErrors(validation.diagnostics))
      refuse('migration/invalid', [
        `the group does not validate:\n${formatDiagnostics(validation.diagnostics.filter((d) => d.severity === 'error'))}`,
      ]);
    const group = await locateGroup(staging, into);
    if (group.id !== manifest.group)
      refuse('migration/invalid', [
        `manifest.yaml names the group ${group.id}, the bundle ${manifest.group}`,
      ]);
    if (group.ledgerPath !== manifest.ledger)
      refuse('migration/invalid', [
        `manifest.yaml puts the ledger at ${group.ledgerPath}, the bundle at ${manifest.ledger}`,
      ]);
    const unresolved =
      requirements === false ? [] : await resolveRequirements(staging, requirements);
    await mkdir(join(staging, '.karnel'), { recursive: true });
    await writeFileAtomic(
      join(staging, MIGRATION_IMPORT_NOTE),
      `${JSON.stringify({ group: manifest.group, handoff: { seq: manifest.handoff.seq, hash: manifest.handoff.hash }, bundle: basename(bundle), imported_at: new Date().toISOString() }, null, 2)}\n`,
    );
    if (place === 'empty') await rmdir(target);
    await rename(staging, target);
    return {
      dir: target,
      group: manifest.group,
      owner,
      handoff: { seq: manifest.handoff.seq, hash: manifest.handoff.hash },
      files: files.size,
      entries,
      warnings: formatDiagnostics(validation.diagnostics.filter((d) => d.severity !== 'error')),
      unresolved,
    };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Reads the note {@link importGroup} leaves; `undefined` when there is none or it is unreadable. */
export async function readMigrationImportNote(
  dir: string,
): Promise<{ group: string; handoff: { seq: number; hash: string } } | undefined> {
  try {
    const note = JSON.parse(await readFile(join(dir, MIGRATION_IMPORT_NOTE), 'utf8')) as {
      group?: unknown;
      handoff?: { seq?: unknown; hash?: unknown };
    };
    if (
      typeof note.group !== 'string' ||
      typeof note.handoff?.seq !== 'number' ||
      typeof note.handoff.hash !== 'string'
    )
      return undefined;
    return { group: note.group, handoff: { seq: note.handoff.seq, hash: note.handoff.hash } };
  } catch {
    return undefined;
  }
}

/** Removes the import note once the hand-off is resumed. */
export async function removeMigrationImportNote(dir: string): Promise<void> {
  await rm(join(dir, MIGRATION_IMPORT_NOTE), { force: true });
}
