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

/** Follows the owner in force along a ledger read in order (see {@link createOwnerTracker}). */
export interface OwnerTracker {
  /** The owner in force after the entries observed so far. */
  readonly owner: string | undefined;
  /** Feeds the next entry; returns whether it was an `owner.pinned` or `owner.rotated` record. */
  observe(entry: LedgerEntry): boolean;
  /** Whether `entry` carries a valid signature by the owner in force. */
  signedByOwner(entry: LedgerEntry): boolean;
}

/**
 * Tracks the owner in force while a ledger is read entry by entry: the first `owner.pinned`,
 * then each `owner.rotated` signed by the owner it replaces (the rule of `@karnel/policy`'s
 * `readPinnedOwner`). Lets an incremental reader tell owner-signed records from the rest.
 */
export function createOwnerTracker(): OwnerTracker {
  let owner: string | undefined;
  return {
    get owner() {
      return owner;
    },
    observe(entry) {
      if (entry.type === 'owner.pinned') {
        const pinned = identitySchema.safeParse(entry.body.owner);
        if (owner === undefined && pinned.success) owner = pinned.data;
        return true;
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
        return true;
      }
      return false;
    },
    signedByOwner(entry) {
      return (
        owner !== undefined &&
        entry.signature !== undefined &&
        sameIdentity(entry.signer, owner) &&
        verifyEntrySignature(entry)
      );
    },
  };
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
  const tracker = createOwnerTracker();
  for await (const entry of readLedgerEntries(ledgerDir)) {
    if (tracker.observe(entry)) continue;
    if (!types.some((type) => entry.type === type || entry.type.startsWith(`${type}.`))) continue;
    yield { entry, owner: tracker.owner, signedByOwner: tracker.signedByOwner(entry) };
  }
}
