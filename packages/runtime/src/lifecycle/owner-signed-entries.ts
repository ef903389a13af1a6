import { identitySchema } from '@karnel/core';
import { type LedgerEntry, readLedgerEntries, verifyEntrySignature } from '@karnel/ledger';
import { ownerRotationSchema, sameIdentity, verifyPayload } from '@karnel/policy';

/** An entry of the ledger with the owner in force when it was written. */
export interface OwnedEntry {
  /** The entry. */
  readonly entry: LedgerEntry;
  /** The owner in force at this entry (after any `owner.*` record before it). */
  readonly owner: string | undefined;
  /** Whether the entry carries a valid signature by that owner. */
  readonly signedByOwner: boolean;
}

/**
 * Streams a ledger's entries (optionally of one type prefix) with the owner in force at each
 * one: the first `owner.pinned`, then each `owner.rotated` signed by the owner it replaces (the
 * rule of `@karnel/policy`'s `readPinnedOwner`). `signedByOwner` tells whether the entry's own
 * signature verifies and is that owner's — the only way a lifecycle record counts.
 *
 * @throws {LedgerIntegrityError} (from `@karnel/ledger`) when the chain does not verify.
 */
export async function* ownerSignedEntries(
  ledgerDir: string,
  types: readonly string[],
): AsyncGenerator<OwnedEntry> {
  let owner: string | undefined;
  for await (const entry of readLedgerEntries(ledgerDir)) {
    if (entry.type === 'owner.pinned') {
      const pinned = identitySchema.safeParse(entry.body.owner);
      if (owner === undefined && pinned.success) owner = pinned.data;
      continue;
    }
    if (entry.type === 'owner.rotated') {
      const rotation = ownerRotationSchema.safeParse(entry.body);
      if (
        owner !== undefined &&
        rotation.success &&
        sameIdentity(rotation.data.previous, owner) &&
        verifyPayload(rotation.data, rotation.data.signature, rotation.data.previous)
      )
        owner = rotation.data.owner;
      continue;
    }
    if (!types.some((type) => entry.type === type || entry.type.startsWith(`${type}.`))) continue;
    const signedByOwner =
      owner !== undefined &&
      entry.signature !== undefined &&
      sameIdentity(entry.signer, owner) &&
      verifyEntrySignature(entry);
    yield { entry, owner, signedByOwner };
  }
}
