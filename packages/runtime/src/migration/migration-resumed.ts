import { hostname } from 'node:os';
import type { Signer } from '@karnel/core';
import { type LedgerEntry, openLedger, parseCheckpoint, verifyConsistency } from '@karnel/ledger';
import { readMigrationImportNote, removeMigrationImportNote } from './import-group';
import { MigrationError } from './migration-error';
import { handoffRecordSchema, MIGRATION_RECORD_TYPES } from './migration-records';
import { locateGroup } from './open-group';

/** Options of {@link appendMigrationResumed}. */
export interface AppendMigrationResumedOptions {
  /** Signs the `migration.resumed` entry (the runtime's key). Default: unsigned. */
  readonly signer?: Signer;
  /** The host recorded. Default: `os.hostname()`. */
  readonly host?: string;
}

/** What {@link appendMigrationResumed} did. */
export type MigrationResumed =
  /** The `migration.resumed` entry was appended. */
  | {
      /** True: the entry was appended. */
      readonly appended: true;
      /** The `migration.resumed` ledger entry written. */
      readonly entry: LedgerEntry;
    }
  /** Nothing to resume, and why (no import note, or the hand-off was already resumed). */
  | {
      /** False: nothing was appended. */
      readonly appended: false;
      /** Why there was nothing to resume, one sentence. */
      readonly reason: string;
    };

const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

/**
 * Called by the runtime before the first run after an import (Annex E, section 6). When the
 * directory holds the note `importGroup` left and the ledger's last migration record is the
 * hand-off it names, appends `migration.resumed`: the hand-off entry, the hand-off checkpoint's
 * size and root, and a consistency proof from that checkpoint to the current tree, checked
 * before it is written. The note is removed afterwards. A folder that exported the group has
 * no note and is never resumed by this function.
 *
 * @throws {MigrationError} `migration/ledger` when the ledger does not extend the checkpoint.
 */
export async function appendMigrationResumed(
  dir: string,
  { signer, host = hostname() }: AppendMigrationResumedOptions = {},
): Promise<MigrationResumed> {
  const note = await readMigrationImportNote(dir);
  if (!note) return { appended: false, reason: 'no migration import is waiting to resume here' };
  const group = await locateGroup(dir);
  const ledger = await openLedger(group.ledgerDir, {
    ...(signer ? { signer } : {}),
    create: false,
  });
  try {
    let last: LedgerEntry | undefined;
    for await (const entry of ledger.entries({ type: 'migration' })) last = entry;
    if (!last || last.type !== MIGRATION_RECORD_TYPES.handoff || last.hash !== note.handoff.hash) {
      await removeMigrationImportNote(dir);
      return { appended: false, reason: 'the imported hand-off was already resumed' };
    }
    const handoff = handoffRecordSchema.safeParse(last.body);
    const checkpoint = handoff.success
      ? parseCheckpoint(handoff.data.checkpoint).checkpoint
      : undefined;
    if (!checkpoint)
      throw new MigrationError({
        code: 'migration/ledger',
        problems: [`the hand-off record (entry ${last.seq}) holds no readable checkpoint`],
      });
    const proof = await ledger.proveConsistency(checkpoint.size);
    const consistent = verifyConsistency(
      proof.oldSize,
      proof.newSize,
      proof.path.map(fromHex),
      fromHex(checkpoint.root),
      fromHex(proof.newRoot),
    );
    if (!consistent || proof.oldRoot !== checkpoint.root)
      throw new MigrationError({
        code: 'migration/ledger',
        problems: [`the ledger does not extend the hand-off checkpoint (size ${checkpoint.size})`],
      });
    const entry = await ledger.append({
      type: MIGRATION_RECORD_TYPES.resumed,
      body: {
        handoff: { seq: last.seq, hash: last.hash },
        checkpoint: { size: checkpoint.size, root: checkpoint.root },
        consistency: { newSize: proof.newSize, newRoot: proof.newRoot, path: [...proof.path] },
        host,
      },
    });
    await removeMigrationImportNote(dir);
    return { appended: true, entry };
  } finally {
    await ledger.close();
  }
}
