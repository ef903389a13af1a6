import {
  type Clock,
  identitySchema,
  type LedgerPort,
  type LedgerReader,
  type Signer,
  systemClock,
  timestampSchema,
} from '@karnel/core';
import { z } from 'zod';
import { PolicyOwnerError } from './errors';
import { sameIdentity, signPayload, verifyPayload } from './signed-json';

/**
 * A change of owner, signed by the owner it replaces: the body of an `owner.rotated` ledger
 * record. Only a rotation signed by the owner in force counts.
 */
export const ownerRotationSchema = z.strictObject({
  /** Always `karnel.owner-rotation.v1`. */
  type: z.literal('karnel.owner-rotation.v1'),
  /** The owner in force, who signs. */
  previous: identitySchema,
  /** The new owner. */
  owner: identitySchema,
  /** When it was signed. */
  rotated_at: timestampSchema,
  /** Signature by `previous` over the RFC 8785 canonical JSON of the other fields. */
  signature: z.string(),
});

/** A signed change of owner. */
export type OwnerRotation = z.infer<typeof ownerRotationSchema>;

/** Options of {@link signOwnerRotation}. */
export interface SignOwnerRotationOptions {
  /** The owner in force: the only key whose rotation counts. */
  readonly previous: Signer;
  /** The new owner identity (did:key or `ed25519:`). */
  readonly owner: string;
  /** The clock for `rotated_at`. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * Signs a change of owner. Append it to the ledger as an `owner.rotated` record, then change
 * `owner` in `manifest.yaml`: {@link resolveOwner} accepts the new manifest owner only after it.
 */
export function signOwnerRotation({
  previous,
  owner,
  clock = systemClock,
}: SignOwnerRotationOptions): OwnerRotation {
  const body = {
    type: 'karnel.owner-rotation.v1' as const,
    previous: previous.did,
    owner,
    rotated_at: clock.now().toISOString(),
  };
  return { ...body, signature: signPayload(body, previous) };
}

/** The owner the ledger trusts, and the rotation records that did not count. */
export interface PinnedOwner {
  /** The owner in force; `undefined` when the ledger has never pinned one. */
  readonly owner?: string;
  /** One sentence per `owner.*` record that was ignored (bad signature, signed by another key). */
  readonly ignored: readonly string[];
}

/**
 * Reads the owner in force from the ledger: the first `owner.pinned` record, then each
 * `owner.rotated` record signed by the owner it replaces. Other `owner.*` records are ignored
 * and reported in `ignored`.
 */
export async function readPinnedOwner(reader: LedgerReader): Promise<PinnedOwner> {
  let owner: string | undefined;
  const ignored: string[] = [];
  for await (const entry of reader.entries()) {
    if (entry.type === 'owner.pinned') {
      const pinned = identitySchema.safeParse(entry.body.owner);
      if (owner === undefined && pinned.success) owner = pinned.data;
      else ignored.push(`ledger entry ${entry.seq}: owner.pinned after the owner was pinned`);
    } else if (entry.type === 'owner.rotated') {
      const rotation = ownerRotationSchema.safeParse(entry.body);
      if (
        owner !== undefined &&
        rotation.success &&
        sameIdentity(rotation.data.previous, owner) &&
        verifyPayload(rotation.data, rotation.data.signature, rotation.data.previous)
      ) {
        owner = rotation.data.owner;
      } else {
        ignored.push(
          `ledger entry ${entry.seq}: owner.rotated is not a rotation signed by the owner in force`,
        );
      }
    }
  }
  return { ...(owner !== undefined ? { owner } : {}), ignored };
}

/** What {@link resolveOwner} returns: the owner in force and the records that did not count. */
export interface ResolvedOwner extends PinnedOwner {
  /** The owner in force (the manifest's, confirmed or just pinned by the ledger). */
  readonly owner: string;
}

/** Options of {@link resolveOwner}. */
export interface ResolveOwnerOptions {
  /** The directory's ledger, read for the pinned owner and appended to when there is none. */
  readonly ledger: LedgerPort;
  /** The owner `manifest.yaml` names. */
  readonly claimed: string;
  /** Signs the `owner.pinned` record when this call pins the owner. */
  readonly signer?: Signer;
  /** Where the claim comes from, recorded in `owner.pinned`. Default `manifest.yaml`. */
  readonly source?: string;
  /**
   * Pin the claimed owner when the ledger has none (default `true`); with `false` the claim is
   * returned unpinned and nothing is appended (a read-only caller).
   */
  readonly pin?: boolean;
}

/**
 * The trust anchor of a directory's owner. `manifest.yaml` is a file the runtime could edit,
 * so the owner it names is trusted only if the ledger agrees: the first time, the owner is
 * pinned by an `owner.pinned` record (trust on first use, like an SSH host key); afterwards
 * the manifest must name the pinned owner, or the owner it rotated to with a signed
 * `owner.rotated` record.
 *
 * @throws {PolicyOwnerError} (`owner/mismatch`) when the manifest names another owner.
 */
export async function resolveOwner({
  ledger,
  claimed,
  signer,
  source = 'manifest.yaml',
  pin = true,
}: ResolveOwnerOptions): Promise<ResolvedOwner> {
  const pinned = await readPinnedOwner(ledger);
  if (pinned.owner === undefined) {
    if (!pin) return { owner: claimed, ignored: pinned.ignored };
    await ledger.append(
      { type: 'owner.pinned', body: { owner: claimed, source } },
      signer ? { signer } : {},
    );
    return { owner: claimed, ignored: pinned.ignored };
  }
  if (!sameIdentity(pinned.owner, claimed)) {
    throw new PolicyOwnerError({
      code: 'owner/mismatch',
      pinned: pinned.owner,
      claimed,
      message: `${source} names the owner ${claimed}, but the ledger pinned ${pinned.owner}; an owner change takes an owner.rotated record signed by the owner in force (signOwnerRotation)`,
    });
  }
  return { owner: pinned.owner, ignored: pinned.ignored };
}
