import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AuditLog,
  type Clock,
  createId,
  InvalidArgumentError,
  identitySchema,
  idSchema,
  isId,
  type LedgerPort,
  readFileInside,
  type Signer,
  systemClock,
  timestampSchema,
  writeFileAtomic,
} from '@karnel/core';
import { z } from 'zod';
import { capabilitySchema } from './capability';
import { capabilityCovers } from './capability-covers';
import { createLedgerCursor } from './ledger-cursor';
import type { resolveOwner } from './owner-anchor';
import type { PolicyRule } from './policy-rule';
import { sameIdentity, signPayload, verifyPayload } from './signed-json';

/**
 * A signed grant: `issuer` gives `subject` a set of capabilities. The owner issues root grants;
 * a subject allowed to delegate may issue narrower grants of its own (attenuation), citing the
 * grant its authority comes from as `parent`.
 */
export const grantSchema = z.strictObject({
  /** Always `karnel.grant.v1`. */
  type: z.literal('karnel.grant.v1'),
  /** The grant id (`gnt_…`). */
  id: idSchema('gnt'),
  /** Who signed: the owner, or the subject of `parent`. */
  issuer: identitySchema,
  /** Who receives the capabilities: a did:key (needed to delegate or approve), or an actor id. */
  subject: z.string().min(1),
  /** The capabilities granted, normalised. */
  capabilities: z.array(capabilitySchema),
  /** Whether the subject may issue narrower grants. */
  may_delegate: z.boolean(),
  /** Whether the subject may sign approvals for requests within these capabilities. */
  may_approve: z.boolean(),
  /** The grant the issuer's authority comes from; absent when the owner issues. */
  parent: idSchema('gnt').optional(),
  /** When the grant was signed. */
  issued_at: timestampSchema,
  /** When the grant stops being valid; a delegation never outlives its parent either way. */
  expires_at: timestampSchema.optional(),
  /** Ed25519 signature by `issuer` over the canonical JSON of every other field. */
  signature: z.string(),
});

/** A signed grant. */
export type Grant = z.infer<typeof grantSchema>;

/** A signed revocation of a grant, and of every delegation below it. */
export const revocationSchema = z.strictObject({
  /** Always `karnel.revocation.v1`. */
  type: z.literal('karnel.revocation.v1'),
  /** The revoked grant. */
  grant: idSchema('gnt'),
  /** Who revoked: the owner, or an issuer on the grant's chain. */
  issuer: identitySchema,
  /** When. */
  revoked_at: timestampSchema,
  /** Why, for the audit trail. */
  reason: z.string().optional(),
  /** Signature by `issuer`. */
  signature: z.string(),
});

/** A signed revocation. */
export type Revocation = z.infer<typeof revocationSchema>;

/** Options of {@link signGrant}. */
export interface SignGrantOptions {
  /** Who signs: the owner, or the subject of `parent`. */
  readonly issuer: Signer;
  /** Who receives the capabilities. */
  readonly subject: string;
  /** The capabilities; each must be covered by `parent` when there is one. */
  readonly capabilities: readonly string[];
  /** Whether the subject may delegate further. Default `false`. */
  readonly mayDelegate?: boolean;
  /** Whether the subject may sign approvals. Default `false`. */
  readonly mayApprove?: boolean;
  /** The grant the issuer holds, for a delegation. */
  readonly parent?: Grant;
  /** When the grant expires. */
  readonly expiresAt?: Date;
  /** The clock for `issued_at`. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * Signs a grant. A delegation (with `parent`) must narrow: every capability covered by the
 * parent's, no delegation or approval right the parent lacks, no expiry after the parent's.
 *
 * @throws {InvalidArgumentError} when the grant would widen its parent, the issuer is not the
 * parent's subject, or a capability does not parse.
 */
export function signGrant({
  issuer,
  subject,
  capabilities,
  mayDelegate = false,
  mayApprove = false,
  parent,
  expiresAt,
  clock = systemClock,
}: SignGrantOptions): Grant {
  const normalised = capabilities.map((capability) => {
    const parsed = capabilitySchema.safeParse(capability);
    if (!parsed.success)
      throw new InvalidArgumentError({
        argument: 'capabilities',
        value: capability,
        message: 'not a capability',
      });
    return parsed.data;
  });
  if (parent) {
    const problem = attenuationProblem(parent, {
      issuer: issuer.did,
      capabilities: normalised,
      may_delegate: mayDelegate,
      may_approve: mayApprove,
      expires_at: expiresAt?.toISOString(),
    });
    if (problem)
      throw new InvalidArgumentError({ argument: 'parent', value: parent.id, message: problem });
  }
  const body = {
    type: 'karnel.grant.v1' as const,
    id: createId('gnt', clock.now().getTime()),
    issuer: issuer.did,
    subject,
    capabilities: normalised,
    may_delegate: mayDelegate,
    may_approve: mayApprove,
    ...(parent ? { parent: parent.id } : {}),
    issued_at: clock.now().toISOString(),
    ...(expiresAt ? { expires_at: expiresAt.toISOString() } : {}),
  };
  return { ...body, signature: signPayload(body, issuer) };
}

/** Why `child` would widen `parent`, or `undefined` when it only narrows. */
function attenuationProblem(
  parent: Grant,
  child: Pick<Grant, 'capabilities' | 'may_delegate' | 'may_approve'> & {
    issuer: string;
    expires_at?: string;
  },
): string | undefined {
  if (!sameIdentity(parent.subject, child.issuer))
    return `the issuer ${child.issuer} is not the subject of parent grant ${parent.id}`;
  if (!parent.may_delegate) return `parent grant ${parent.id} does not allow delegation`;
  if (child.may_approve && !parent.may_approve)
    return `parent grant ${parent.id} does not allow approving`;
  const widened = child.capabilities.find(
    (capability) => !parent.capabilities.some((held) => capabilityCovers(held, capability)),
  );
  if (widened !== undefined) return `"${widened}" is not covered by parent grant ${parent.id}`;
  if (
    parent.expires_at &&
    (!child.expires_at || Date.parse(child.expires_at) > Date.parse(parent.expires_at))
  ) {
    return `the delegation must expire no later than parent grant ${parent.id} (${parent.expires_at})`;
  }
  return undefined;
}

/** The result of {@link verifyGrant}. */
export type GrantVerification =
  | {
      /** The grant is valid now. */
      readonly valid: true;
      /** The chain from the owner's root grant down to this one. */
      readonly chain: readonly Grant[];
    }
  | {
      /** The grant is not valid now. */
      readonly valid: false;
      /** Why. */
      readonly reason: string;
    };

/** What {@link verifyGrant} needs to know about the world. */
export interface GrantContext {
  /** The owner identity: the only issuer of root grants. */
  readonly owner: string;
  /** Finds a grant by id (for parents). */
  readonly lookup: (id: string) => Grant | undefined;
  /** Whether a grant has been revoked. */
  readonly isRevoked: (id: string) => boolean;
  /** The clock expiry is checked against. */
  readonly clock: Clock;
}

const MAX_CHAIN_DEPTH = 16;

/**
 * Verifies a grant and its chain up to the owner: every signature, every attenuation step,
 * expiry and revocation (of the grant or any ancestor). Never throws.
 */
export function verifyGrant(grant: Grant, context: GrantContext): GrantVerification {
  const chain: Grant[] = [];
  const now = context.clock.now().getTime();
  let current: Grant | undefined = grant;
  const seen = new Set<string>();
  while (current) {
    if (seen.has(current.id) || chain.length >= MAX_CHAIN_DEPTH)
      return { valid: false, reason: `grant chain of ${grant.id} is cyclic or too deep` };
    seen.add(current.id);
    const shape = grantSchema.safeParse(current);
    if (!shape.success) return { valid: false, reason: `grant ${String(current.id)} is malformed` };
    if (!verifyPayload(current, current.signature, current.issuer)) {
      return {
        valid: false,
        reason: `grant ${current.id} has a signature that does not verify for ${current.issuer}`,
      };
    }
    if (context.isRevoked(current.id))
      return { valid: false, reason: `grant ${current.id} was revoked` };
    if (current.expires_at && Date.parse(current.expires_at) <= now)
      return { valid: false, reason: `grant ${current.id} expired at ${current.expires_at}` };
    if (Date.parse(current.issued_at) > now + 5 * 60_000)
      return { valid: false, reason: `grant ${current.id} is issued in the future` };
    chain.unshift(current);
    if (current.parent === undefined) {
      if (!sameIdentity(current.issuer, context.owner)) {
        return {
          valid: false,
          reason: `grant ${current.id} is issued by ${current.issuer}, who is not the owner and cites no parent grant`,
        };
      }
      return { valid: true, chain };
    }
    const parent = context.lookup(current.parent);
    if (!parent)
      return { valid: false, reason: `parent grant ${current.parent} of ${current.id} is unknown` };
    const problem = attenuationProblem(parent, current);
    if (problem)
      return { valid: false, reason: `grant ${current.id} widens its parent: ${problem}` };
    current = parent;
  }
  return { valid: false, reason: 'empty chain' };
}

/** Options of {@link createAuthority}. */
export interface AuthorityOptions {
  /** The agent or group directory; grants live in `grants/`, revocations in `grants/revoked/`. */
  readonly dir: string;
  /**
   * The owner identity (did:key). Take it from {@link resolveOwner} (or `openPolicyDirectory`),
   * which checks the manifest's owner against the owner pinned in the ledger, never straight
   * from `manifest.yaml`, a file the runtime could edit.
   */
  readonly owner: string;
  /**
   * Where grants and revocations are recorded. When it can also be read (a `LedgerPort`),
   * every signed `grant.revoked` record counts as well as the files in `grants/revoked/`, so
   * deleting a revocation file does not bring a revoked grant back.
   */
  readonly ledger?: AuditLog | LedgerPort;
  /** The clock. Default: the system clock. */
  readonly clock?: Clock;
}

/** A stored grant and whether it is valid now. */
export interface GrantStatus {
  /** The grant. */
  readonly grant: Grant;
  /** Its verification, chain included. */
  readonly verification: GrantVerification;
}

/** Whether an identity may sign an approval, and on what authority. */
export type ApproverAuthorization =
  | {
      /** It may. */
      readonly ok: true;
      /** As the owner, or through this grant. */
      readonly via: 'owner' | Grant;
    }
  | {
      /** It may not. */
      readonly ok: false;
      /** Why. */
      readonly reason: string;
    };

/** Who may do what, from the owner's signed grants and their delegations. */
export interface Authority {
  /** The owner identity. */
  readonly owner: string;
  /** Signs, stores and records a grant (see {@link signGrant}). */
  issue(
    options: Omit<SignGrantOptions, 'clock' | 'parent'> & { parent?: Grant | string },
  ): Promise<Grant>;
  /**
   * Revokes a grant and, with it, every delegation below it. Only the owner or an issuer on the
   * grant's chain may revoke.
   *
   * @throws {InvalidArgumentError} for an unknown grant or a signer without that right.
   */
  revoke(id: string, signer: Signer, reason?: string): Promise<Revocation>;
  /** Every stored grant with whether it is valid now. */
  list(): Promise<readonly GrantStatus[]>;
  /**
   * Whether `identity` may sign an approval for `capability`: the owner always may; a delegate
   * may when a valid grant to it has `may_approve` and covers the capability.
   */
  authorizeApprover(identity: string, capability: string): Promise<ApproverAuthorization>;
  /** Allow rules for every valid grant, for `createPolicy`: each subject may use what it holds. */
  rules(): Promise<PolicyRule[]>;
}

async function readJsonFiles(dir: string, folder: string): Promise<unknown[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const values: unknown[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.json')).sort()) {
    try {
      values.push(JSON.parse((await readFileInside(dir, join(folder, name))).toString('utf8')));
    } catch {
      // A file that is not JSON, or that a symbolic link leads out of the directory, grants
      // nothing.
    }
  }
  return values;
}

/** Creates the {@link Authority} of a directory. Grants are files; every change is recorded. */
export function createAuthority({
  dir,
  owner,
  ledger,
  clock = systemClock,
}: AuthorityOptions): Authority {
  const grantsDir = join(dir, 'grants');
  const revokedDir = join(grantsDir, 'revoked');
  const cursor = ledger && 'entries' in ledger ? createLedgerCursor(ledger) : undefined;
  const ledgerRevocations: unknown[] = [];

  const load = async () => {
    const grants = new Map<string, Grant>();
    for (const value of await readJsonFiles(dir, grantsDir)) {
      const parsed = grantSchema.safeParse(value);
      if (parsed.success) grants.set(parsed.data.id, parsed.data);
    }
    const revoked = new Set<string>();
    if (cursor) {
      for await (const entry of cursor.next())
        if (entry.type === 'grant.revoked') ledgerRevocations.push(entry.body);
    }
    for (const value of [...(await readJsonFiles(dir, revokedDir)), ...ledgerRevocations]) {
      const parsed = revocationSchema.safeParse(value);
      if (!parsed.success || !verifyPayload(parsed.data, parsed.data.signature, parsed.data.issuer))
        continue;
      if (mayRevoke(parsed.data.issuer, parsed.data.grant, grants)) revoked.add(parsed.data.grant);
    }
    const context: GrantContext = {
      owner,
      lookup: (id) => grants.get(id),
      isRevoked: (id) => revoked.has(id),
      clock,
    };
    return { grants, context };
  };

  const mayRevoke = (identity: string, grantId: string, grants: Map<string, Grant>): boolean => {
    if (sameIdentity(identity, owner)) return true;
    let current = grants.get(grantId);
    for (let depth = 0; current && depth < MAX_CHAIN_DEPTH; depth++) {
      if (sameIdentity(current.issuer, identity)) return true;
      current = current.parent ? grants.get(current.parent) : undefined;
    }
    return false;
  };

  return {
    owner,
    async issue({ parent, ...options }) {
      const state = await load();
      const parentGrant = typeof parent === 'string' ? state.grants.get(parent) : parent;
      if (parent !== undefined && !parentGrant) {
        throw new InvalidArgumentError({
          argument: 'parent',
          value: parent,
          message: 'unknown grant',
        });
      }
      if (parentGrant) {
        const verification = verifyGrant(parentGrant, state.context);
        if (!verification.valid)
          throw new InvalidArgumentError({
            argument: 'parent',
            value: parentGrant.id,
            message: verification.reason,
          });
      } else if (!sameIdentity(options.issuer.did, owner)) {
        throw new InvalidArgumentError({
          argument: 'issuer',
          value: options.issuer.did,
          message: 'only the owner issues grants without a parent',
        });
      }
      const grant = signGrant({
        ...options,
        ...(parentGrant ? { parent: parentGrant } : {}),
        clock,
      });
      await writeFileAtomic(
        join(grantsDir, `${grant.id}.json`),
        `${JSON.stringify(grant, null, 2)}\n`,
      );
      await ledger?.append(
        { type: 'grant.issued', body: { ...grant } },
        { signer: options.issuer },
      );
      return grant;
    },
    async revoke(id, signer, reason) {
      if (!isId(id, 'gnt'))
        throw new InvalidArgumentError({ argument: 'id', value: id, message: 'not a grant id' });
      const state = await load();
      if (!state.grants.has(id))
        throw new InvalidArgumentError({ argument: 'id', value: id, message: 'unknown grant' });
      if (!mayRevoke(signer.did, id, state.grants)) {
        throw new InvalidArgumentError({
          argument: 'signer',
          value: signer.did,
          message: `may not revoke ${id}: only the owner or an issuer on its chain may`,
        });
      }
      const body = {
        type: 'karnel.revocation.v1' as const,
        grant: id,
        issuer: signer.did,
        revoked_at: clock.now().toISOString(),
        ...(reason !== undefined ? { reason } : {}),
      };
      const revocation: Revocation = { ...body, signature: signPayload(body, signer) };
      await writeFileAtomic(
        join(revokedDir, `${id}.json`),
        `${JSON.stringify(revocation, null, 2)}\n`,
      );
      await ledger?.append({ type: 'grant.revoked', body: { ...revocation } }, { signer });
      return revocation;
    },
    async list() {
      const state = await load();
      return [...state.grants.values()].map((grant) => ({
        grant,
        verification: verifyGrant(grant, state.context),
      }));
    },
    async authorizeApprover(identity, capability) {
      if (sameIdentity(identity, owner)) return { ok: true, via: 'owner' };
      const state = await load();
      let lastReason = `${identity} is neither the owner nor the holder of a grant that allows approving ${capability}`;
      for (const grant of state.grants.values()) {
        if (!sameIdentity(grant.subject, identity)) continue;
        const verification = verifyGrant(grant, state.context);
        if (!verification.valid) {
          lastReason = verification.reason;
          continue;
        }
        if (!grant.may_approve) continue;
        if (grant.capabilities.some((held) => capabilityCovers(held, capability)))
          return { ok: true, via: grant };
      }
      return { ok: false, reason: lastReason };
    },
    async rules() {
      const state = await load();
      const rules: PolicyRule[] = [];
      for (const grant of state.grants.values()) {
        if (!verifyGrant(grant, state.context).valid) continue;
        for (const capability of grant.capabilities) {
          rules.push({
            id: `grant ${grant.id}: ${capability}`,
            effect: 'allow',
            capability,
            actors: [grant.subject],
            description: `granted by ${grant.issuer}`,
          });
        }
      }
      return rules;
    },
  };
}
