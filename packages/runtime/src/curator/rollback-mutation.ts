import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Clock, pathKind, type Signer, sha256Hex, systemClock } from '@karnel/core';
import { type LedgerEntry, openLedger } from '@karnel/ledger';
import { MigrationError } from '../migration/migration-error';
import { locateGroup } from '../migration/open-group';
import {
  CURATOR_RECORD_TYPES,
  type CuratorMutation,
  curatorMutationSchema,
} from './curator-records';
import { hashFolder } from './file-hashes';
import { holdGroupForCurator } from './hold-group-for-curator';

/** Options of {@link rollbackCuratorMutation}. */
export interface RollbackCuratorMutationOptions {
  /** Signs the `curator.rollback` entry. */
  readonly signer?: Signer;
  /** The ledger's clock. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * Undoes one curator mutation by its id: writes the skill's files back at their old place from
 * the bytes the mutation stored in the ledger, checks each against the SHA-256 recorded before
 * the mutation (so the bytes are exactly those), removes the archived copy when it is still
 * what the mutation left, and ledgers a `curator.rollback` with before/after hashes.
 *
 * Refused for a dissolved or handed-off group and while a runtime holds the group's lease.
 *
 * @throws {MigrationError} (`migration/invalid`) when the group is dissolved or handed off,
 *   there is no such mutation, it was already
 *   rolled back, or a skill is at its old place again; `migration/ledger` when the stored bytes
 *   do not match their recorded hashes.
 */
export async function rollbackCuratorMutation(
  dir: string,
  mutationId: string,
  { signer, clock = systemClock }: RollbackCuratorMutationOptions = {},
): Promise<LedgerEntry> {
  const group = await locateGroup(dir);
  const release = await holdGroupForCurator(group.dir, clock, 'roll changes back');
  try {
    return await rollback(group, mutationId, { clock, ...(signer ? { signer } : {}) });
  } finally {
    await release();
  }
}

async function rollback(
  group: Awaited<ReturnType<typeof locateGroup>>,
  mutationId: string,
  { signer, clock }: { signer?: Signer; clock: Clock },
): Promise<LedgerEntry> {
  const refuse = (code: 'migration/invalid' | 'migration/ledger', problem: string): never => {
    throw new MigrationError({ code, problems: [problem] });
  };
  const ledger = await openLedger(group.ledgerDir, {
    clock,
    create: false,
    ...(signer ? { signer } : {}),
  });
  try {
    let found: { entry: LedgerEntry; mutation: CuratorMutation } | undefined;
    let rolledBack = false;
    for await (const entry of ledger.entries({ type: 'curator' })) {
      if (entry.type === CURATOR_RECORD_TYPES.mutation && entry.body.mutation === mutationId) {
        const parsed = curatorMutationSchema.safeParse(entry.body);
        if (parsed.success) found = { entry, mutation: parsed.data };
      }
      if (entry.type === CURATOR_RECORD_TYPES.rollback && entry.body.mutation === mutationId)
        rolledBack = true;
    }
    if (!found)
      return refuse(
        'migration/invalid',
        `no curator mutation ${JSON.stringify(mutationId)} in the ledger`,
      );
    if (rolledBack)
      return refuse('migration/invalid', `mutation ${mutationId} was already rolled back`);
    const { entry, mutation } = found;
    if ((await pathKind(join(group.dir, mutation.from))) !== 'missing')
      return refuse(
        'migration/invalid',
        `${mutation.from} exists again; move it away before rolling back`,
      );
    const staging = await mkdtemp(join(dirname(join(group.dir, mutation.from)), '.rollback-'));
    try {
      for (const file of mutation.before) {
        const inside = file.path.slice(mutation.from.length + 1);
        const stored = entry.files.find((digest) => digest.path.endsWith(`/before/${inside}`));
        if (!stored) refuse('migration/ledger', `the mutation stored no copy of ${file.path}`);
        const bytes = await readFile(join(group.ledgerDir, stored!.path));
        if (sha256Hex(bytes) !== file.sha256 || bytes.length !== file.size)
          refuse(
            'migration/ledger',
            `the stored copy of ${file.path} does not match its recorded hash`,
          );
        await mkdir(dirname(join(staging, inside)), { recursive: true });
        await writeFile(join(staging, inside), bytes);
      }
      const archived = join(group.dir, mutation.to);
      const current =
        (await pathKind(archived)) === 'folder'
          ? (await hashFolder(group.dir, mutation.to)).hashes
          : [];
      await rename(staging, join(group.dir, mutation.from));
      const unchanged =
        current.length === mutation.after.length &&
        current.every(
          (file, index) =>
            file.sha256 === mutation.after[index]?.sha256 &&
            file.path === mutation.after[index]?.path,
        );
      if (unchanged) await rm(archived, { recursive: true, force: true });
      const restored = await hashFolder(group.dir, mutation.from);
      return await ledger.append({
        type: CURATOR_RECORD_TYPES.rollback,
        body: {
          mutation: mutationId,
          restored: mutation.from,
          removed: unchanged ? mutation.to : null,
          before: current,
          after: restored.hashes,
        },
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } finally {
    await ledger.close();
  }
}
