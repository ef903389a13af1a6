import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Clock,
  createId,
  InvalidArgumentError,
  isId,
  type LedgerPort,
  type Signer,
  systemClock,
  withFileLock,
} from '@karnel/core';
import { createApprovalCopies } from './approval-copies';
import {
  type ApprovalDecision,
  approvalDecisionSchema,
  decisionMismatches,
  hashAction,
  verifyApprovalDecision,
} from './approval-decision';
import { createApprovalHistory, type RecordedApproval } from './approval-history';
import type { ApprovalRequest, ApprovalStatus } from './approval-request';
import { reconstructApproval } from './approval-state';
import type { Authority } from './authority';
import { formatCapability, parseCapability } from './capability';
import { ApprovalTamperedError } from './errors';
import { signPayload } from './signed-json';

/** Why an approval operation was refused. */
export type ApprovalRefusal =
  | 'not-found'
  | 'not-pending'
  | 'expired'
  | 'bad-signature'
  | 'unauthorised'
  | 'action-mismatch'
  | 'capability-mismatch'
  | 'actor-mismatch'
  | 'not-approved'
  | 'already-used'
  | 'malformed';

/** The result of approving, denying, revoking or using an approval. */
export type ApprovalResult =
  | {
      /** The operation took effect. */
      readonly ok: true;
      /** The request as it now stands. */
      readonly request: ApprovalRequest;
    }
  | {
      /** The operation was refused (and recorded as `approval.rejected`). */
      readonly ok: false;
      /** Why, as a stable code. */
      readonly code: ApprovalRefusal;
      /** Why, in one sentence. */
      readonly reason: string;
      /** The request concerned, when it exists. */
      readonly request?: ApprovalRequest;
    };

/** Options of {@link createApprovalQueue}. */
export interface ApprovalQueueOptions {
  /** The agent or group directory; readable copies of requests live in `approvals/`. */
  readonly dir: string;
  /** Who may approve: the owner, and delegates with approval rights. */
  readonly authority: Pick<Authority, 'authorizeApprover'>;
  /**
   * The hash-chained ledger, appended to and read back: every request, answer, use,
   * cancellation, revocation and expiry is a record, and the state of a request is derived
   * from these records alone. `@karnel/ledger`'s `openLedger(dir)` satisfies it.
   */
  readonly ledger: LedgerPort;
  /** The clock for timestamps and expiry. Default: the system clock. */
  readonly clock?: Clock;
  /** How long a request stays open, in milliseconds. Default 24 hours. */
  readonly ttlMs?: number;
}

/** What {@link ApprovalQueue.request} needs. */
export interface NewApprovalRequest {
  /** Who wants to act. */
  readonly actor: string;
  /** The capability the action needs. */
  readonly capability: string;
  /** The exact action (JSON); the approval is bound to its hash. */
  readonly action: unknown;
  /** Why approval is needed. Default: "approval required". */
  readonly reason?: string;
  /** The rule that asked. */
  readonly rule?: string;
  /** The worker identity asking; it signs the request and its ledger entry. */
  readonly requester?: Signer;
  /** Overrides the queue's time to live for this request. */
  readonly ttlMs?: number;
}

/** What {@link ApprovalQueue.use} compares with what the approver signed. */
export interface UseApprovalOptions {
  /** The capability the action being executed exercises; must be the signed one. */
  readonly capability: string;
  /** The actor executing, when the caller knows it; must be the signed one. */
  readonly actor?: string;
  /** The executor's identity; it signs the `approval.executed` record. */
  readonly executor?: Signer;
}

/** What {@link ApprovalQueue.revoke} needs. */
export interface RevokeApprovalOptions {
  /** The owner, or a delegate allowed to approve the request's capability. */
  readonly signer: Signer;
  /** Why, for the audit trail. */
  readonly reason?: string;
}

/**
 * A persistent queue of approval requests, each bound to the hash of one exact action. The
 * ledger is the only source of truth; `approvals/<id>.json` is a readable copy, and a copy that
 * disagrees with the ledger or with the owner's signature makes every method that reads it
 * throw {@link ApprovalTamperedError}.
 */
export interface ApprovalQueue {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** Opens a request: records `approval.requested`, then writes `approvals/<id>.json`. */
  request(request: NewApprovalRequest): Promise<ApprovalRequest>;
  /**
   * A request by id as the ledger records it, with `status` showing `expired` once its time is
   * up; `undefined` if the ledger has no such request.
   *
   * @throws {ApprovalTamperedError} when the stored copy disagrees with the ledger, or its
   *   action does not hash to the recorded hash (a decoy), or it is not in the ledger at all.
   */
  get(id: string): Promise<ApprovalRequest | undefined>;
  /**
   * Every recorded request (optionally only those with `status`), oldest first.
   *
   * @throws {ApprovalTamperedError} as {@link ApprovalQueue.get} does, for the first bad copy.
   */
  list(options?: { status?: ApprovalStatus }): Promise<ApprovalRequest[]>;
  /**
   * Applies a signed approval or denial. Refused (and recorded as `approval.rejected`) when the
   * signature does not verify, the signer may not approve this capability, the signature is for
   * other facts than the recorded ones, the request is no longer pending, or it has expired.
   *
   * @throws {ApprovalTamperedError} when the stored copy of the request was tampered with.
   */
  decide(decision: ApprovalDecision): Promise<ApprovalResult>;
  /**
   * Uses an approval once, for exactly the approved action and capability: refused unless the
   * ledger holds an authorised, signed approval of these facts, with no `approval.executed`,
   * `approval.cancelled`, `approval.revoked` or `approval.expired` after it, and the signed
   * expiry has not passed. Records `approval.executed`, signed by `executor` when given.
   *
   * @throws {ApprovalTamperedError} when the stored copy of the request was tampered with.
   */
  use(id: string, action: unknown, options: UseApprovalOptions): Promise<ApprovalResult>;
  /**
   * Withdraws a pending or approved, unused request: records `approval.revoked`, signed by
   * `signer`, who must be the owner or a delegate allowed to approve its capability.
   */
  revoke(id: string, options: RevokeApprovalOptions): Promise<ApprovalResult>;
  /** Cancels every pending or approved request (safe mode does this); records `approval.cancelled`. */
  cancelPending(reason: string, options?: { signer?: Signer }): Promise<ApprovalRequest[]>;
  /** Closes every overdue pending or approved request; records `approval.expired` for each. */
  expireOverdue(): Promise<ApprovalRequest[]>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function requestBodyForSignature(request: ApprovalRequest): Record<string, unknown> {
  const {
    status: _s,
    decision: _d,
    used: _u,
    closed: _c,
    request_signature: _r,
    ...body
  } = request;
  return body;
}

/**
 * Creates an {@link ApprovalQueue} over a ledger, with readable copies in `<dir>/approvals/`.
 * Changes are made under a cross-process lock and recorded in the ledger before the copy is
 * written, so a restart loses nothing and two processes cannot both use one approval.
 */
export function createApprovalQueue({
  dir,
  authority,
  ledger,
  clock = systemClock,
  ttlMs = DAY_MS,
}: ApprovalQueueOptions): ApprovalQueue {
  const folder = join(dir, 'approvals');
  const lockPath = join(folder, '.lock');
  const displayOf = (id: string) => `approvals/${id}.json`;
  const history = createApprovalHistory(ledger);
  const copies = createApprovalCopies(dir);
  const { tampered, write } = copies;
  const readCopy = copies.read;
  const reconstruct = (recorded: RecordedApproval) => reconstructApproval(recorded, authority);

  const isOverdue = (expiresAt: string) => Date.parse(expiresAt) <= clock.now().getTime();
  const record = async (type: string, body: Record<string, unknown>, signer?: Signer) => {
    await ledger.append({ type, body }, signer ? { signer } : {});
  };
  const summary = (
    request: Pick<ApprovalRequest, 'id' | 'actor' | 'capability' | 'action_hash'>,
  ) => ({
    approval_id: request.id,
    actor: request.actor,
    capability: request.capability,
    action_hash: request.action_hash,
  });

  /** The request as the ledger records it, with its verified action; throws on tampering. */
  const load = async (id: string, recorded: ReadonlyMap<string, RecordedApproval>) => {
    const entry = recorded.get(id);
    if (!entry) {
      if (await copies.exists(id))
        throw tampered(
          id,
          ['file'],
          `${displayOf(id)} exists but the ledger records no such request`,
          'approval/not-recorded',
        );
      return undefined;
    }
    const reconstructed = await reconstruct(entry);
    const copy = await readCopy(id, reconstructed.request);
    const request: ApprovalRequest = { ...reconstructed.request, action: copy.action };
    return { request, decision: reconstructed.decision };
  };

  const effective = (request: ApprovalRequest): ApprovalRequest =>
    (request.status === 'pending' || request.status === 'approved') && isOverdue(request.expires_at)
      ? { ...request, status: 'expired' }
      : request;

  const locked = async <T>(task: () => Promise<T>) => {
    await mkdir(folder, { recursive: true });
    return withFileLock(lockPath, task);
  };

  const refuse = async (
    code: ApprovalRefusal,
    reason: string,
    request?: ApprovalRequest,
    signer?: string,
  ): Promise<ApprovalResult> => {
    await record('approval.rejected', {
      ...(request ? summary(request) : {}),
      code,
      reason,
      ...(signer ? { signer } : {}),
    });
    return { ok: false, code, reason, ...(request ? { request } : {}) };
  };

  /** Loads for a change; a tampered copy is recorded as `approval.rejected` and rethrown. */
  const loadForChange = async (
    id: string,
    recorded: ReadonlyMap<string, RecordedApproval>,
    signer?: string,
  ) => {
    try {
      return await load(id, recorded);
    } catch (error) {
      if (ApprovalTamperedError.isInstance(error)) {
        await record('approval.rejected', {
          approval_id: id,
          code: 'tampered',
          fields: [...error.fields],
          reason: error.message,
          ...(signer ? { signer } : {}),
        });
      }
      throw error;
    }
  };

  /**
   * Closes a request (cancelled, revoked, expired): the ledger record first, then the copy. A
   * copy that was tampered with is left as it is (it is evidence); closing only narrows, so it
   * is recorded either way.
   */
  const close = async (
    recorded: RecordedApproval,
    kind: 'cancelled' | 'revoked' | 'expired',
    reason: string,
    signer?: Signer,
  ): Promise<ApprovalRequest> => {
    const at = clock.now().toISOString();
    await record(
      `approval.${kind}`,
      {
        ...summary(recorded.request),
        reason,
        closed_at: at,
        expires_at: recorded.request.expires_at,
      },
      signer,
    );
    const reconstructed = await reconstruct(recorded);
    const base = { ...reconstructed.request, status: kind, closed: { at, reason } };
    try {
      const copy = await readCopy(recorded.request.id, reconstructed.request);
      const closedRequest: ApprovalRequest = { ...base, action: copy.action };
      await write(closedRequest);
      return closedRequest;
    } catch (error) {
      if (!ApprovalTamperedError.isInstance(error)) throw error;
      return { ...base, action: undefined };
    }
  };

  const list = async ({ status }: { status?: ApprovalStatus } = {}): Promise<ApprovalRequest[]> => {
    const recorded = await history.read();
    const requests: ApprovalRequest[] = [];
    for (const id of recorded.keys()) {
      const loaded = await load(id, recorded);
      if (loaded) requests.push(effective(loaded.request));
    }
    return status ? requests.filter((request) => request.status === status) : requests;
  };

  /** The recorded requests still open (pending or approved, before time-based expiry). */
  const open = async () => {
    const recorded = await history.read();
    const result: RecordedApproval[] = [];
    for (const entry of recorded.values()) {
      const { request } = await reconstruct(entry);
      if (request.status === 'pending' || request.status === 'approved') result.push(entry);
    }
    return result;
  };

  return {
    specificationVersion: 'v1',
    async request({
      actor,
      capability,
      action,
      reason = 'approval required',
      rule,
      requester,
      ttlMs: requestTtl,
    }) {
      const parsed = parseCapability(capability);
      if (!parsed.ok)
        throw new InvalidArgumentError({
          argument: 'capability',
          value: capability,
          message: parsed.reason,
        });
      if (typeof actor !== 'string' || actor === '')
        throw new InvalidArgumentError({
          argument: 'actor',
          value: actor,
          message: 'must be a non-empty string',
        });
      const lifetime = requestTtl ?? ttlMs;
      if (!(lifetime > 0))
        throw new InvalidArgumentError({
          argument: 'ttlMs',
          value: lifetime,
          message: 'must be positive',
        });
      const now = clock.now();
      const base: ApprovalRequest = {
        type: 'karnel.approval-request.v1',
        id: createId('apr', now.getTime()),
        actor,
        capability: formatCapability(parsed.value),
        action: JSON.parse(JSON.stringify(action ?? null)),
        action_hash: hashAction(action),
        reason,
        ...(rule !== undefined ? { rule } : {}),
        ...(requester ? { requested_by: requester.did } : {}),
        requested_at: now.toISOString(),
        expires_at: new Date(now.getTime() + lifetime).toISOString(),
        status: 'pending',
      };
      const request: ApprovalRequest = requester
        ? { ...base, request_signature: signPayload(requestBodyForSignature(base), requester) }
        : base;
      await locked(async () => {
        await record(
          'approval.requested',
          {
            ...summary(request),
            reason,
            ...(rule !== undefined ? { rule } : {}),
            expires_at: request.expires_at,
            requested_at: request.requested_at,
            ...(request.requested_by !== undefined ? { requested_by: request.requested_by } : {}),
            ...(request.request_signature !== undefined
              ? { request_signature: request.request_signature }
              : {}),
          },
          requester,
        );
        await write(request);
      });
      return request;
    },

    async get(id) {
      if (!isId(id, 'apr')) return undefined;
      const loaded = await load(id, await history.read());
      return loaded ? effective(loaded.request) : undefined;
    },

    list,

    async decide(decision) {
      const shape = approvalDecisionSchema.safeParse(decision);
      if (!shape.success) {
        const type = (decision as { type?: unknown } | null)?.type;
        return refuse(
          'malformed',
          type === 'karnel.approval.v1'
            ? 'a karnel.approval.v1 answer does not sign the expiry and is no longer accepted; sign the request again'
            : 'the decision is not a well-formed signed approval',
        );
      }
      return locked(async () => {
        const recorded = await history.read();
        const loaded = await loadForChange(decision.approval_id, recorded, decision.signer);
        if (!loaded)
          return refuse(
            'not-found',
            `no approval request ${decision.approval_id} in the ledger`,
            undefined,
            decision.signer,
          );
        const { request } = loaded;
        if (!verifyApprovalDecision(decision)) {
          return refuse(
            'bad-signature',
            `the signature does not verify for ${decision.signer}`,
            request,
            decision.signer,
          );
        }
        const mismatches = decisionMismatches(decision, request);
        if (mismatches.length > 0) {
          return refuse(
            'action-mismatch',
            `the signed ${mismatches.join(', ')} differ from the recorded request`,
            request,
            decision.signer,
          );
        }
        if (request.status !== 'pending') {
          return refuse(
            'not-pending',
            `request ${request.id} is ${request.status}, not pending`,
            request,
            decision.signer,
          );
        }
        if (isOverdue(request.expires_at)) {
          const expired = await close(recorded.get(request.id)!, 'expired', 'expired');
          return refuse(
            'expired',
            `request ${request.id} expired at ${request.expires_at}`,
            expired,
            decision.signer,
          );
        }
        const authorised = await authority.authorizeApprover(decision.signer, request.capability);
        if (!authorised.ok)
          return refuse('unauthorised', authorised.reason, request, decision.signer);
        await record(decision.decision === 'approve' ? 'approval.approved' : 'approval.denied', {
          ...summary(request),
          decision: { ...decision },
          ...(authorised.via !== 'owner' ? { via_grant: authorised.via.id } : {}),
        });
        const updated: ApprovalRequest = {
          ...request,
          status: decision.decision === 'approve' ? 'approved' : 'denied',
          decision,
        };
        await write(updated);
        return { ok: true, request: updated };
      });
    },

    async use(id, action, { capability, actor, executor }) {
      return locked(async () => {
        const recorded = await history.read();
        const loaded = isId(id, 'apr')
          ? await loadForChange(id, recorded, executor?.did)
          : undefined;
        if (!loaded) return refuse('not-found', `no approval request ${id} in the ledger`);
        const { request, decision } = loaded;
        const refuseThis = (code: ApprovalRefusal, reason: string, shown = request) =>
          refuse(code, reason, shown, executor?.did);
        if (request.status === 'used')
          return refuseThis(
            'already-used',
            `the approval of ${id} was already used at ${request.used?.at ?? 'an earlier time'}; an approval is good for one use`,
          );
        if (request.status === 'expired')
          return refuseThis('expired', `request ${id} expired at ${request.expires_at}`);
        if (request.status !== 'approved' || !decision || decision.decision !== 'approve')
          return refuseThis('not-approved', `request ${id} is ${request.status}, not approved`);
        if (isOverdue(decision.expires_at)) {
          const expired = await close(recorded.get(id)!, 'expired', 'expired');
          return refuseThis(
            'expired',
            `the approval of ${id} expired at ${decision.expires_at}`,
            expired,
          );
        }
        if (hashAction(action) !== decision.action_hash)
          return refuseThis(
            'action-mismatch',
            'this action differs from the approved one; it needs its own approval',
          );
        const asked = parseCapability(capability);
        const normalised = asked.ok ? formatCapability(asked.value) : capability;
        if (normalised !== decision.capability)
          return refuseThis(
            'capability-mismatch',
            `the approval of ${id} is for ${decision.capability}, not ${normalised}`,
          );
        if (actor !== undefined && actor !== decision.actor)
          return refuseThis(
            'actor-mismatch',
            `the approval of ${id} was asked for by ${decision.actor}, not ${actor}`,
          );
        const at = clock.now().toISOString();
        await record(
          'approval.executed',
          {
            ...summary(request),
            requested_by: request.requested_by,
            approved_by: decision.signer,
            executed_at: at,
            ...(executor ? { executed_by: executor.did } : {}),
          },
          executor,
        );
        const used: ApprovalRequest = {
          ...request,
          status: 'used',
          used: { at, ...(executor ? { by: executor.did } : {}) },
        };
        await write(used);
        return { ok: true, request: used };
      });
    },

    async revoke(id, { signer, reason = 'revoked' }) {
      return locked(async () => {
        const recorded = await history.read();
        const loaded = isId(id, 'apr') ? await loadForChange(id, recorded, signer.did) : undefined;
        if (!loaded)
          return refuse(
            'not-found',
            `no approval request ${id} in the ledger`,
            undefined,
            signer.did,
          );
        const { request } = loaded;
        if (request.status !== 'pending' && request.status !== 'approved')
          return refuse(
            'not-pending',
            `request ${id} is ${request.status}; only a pending or approved request can be revoked`,
            request,
            signer.did,
          );
        const authorised = await authority.authorizeApprover(signer.did, request.capability);
        if (!authorised.ok) return refuse('unauthorised', authorised.reason, request, signer.did);
        return { ok: true, request: await close(recorded.get(id)!, 'revoked', reason, signer) };
      });
    },

    async cancelPending(reason, { signer } = {}) {
      return locked(async () => {
        const cancelled: ApprovalRequest[] = [];
        for (const entry of await open())
          cancelled.push(await close(entry, 'cancelled', reason, signer));
        return cancelled;
      });
    },

    async expireOverdue() {
      return locked(async () => {
        const expired: ApprovalRequest[] = [];
        for (const entry of await open()) {
          if (isOverdue(entry.request.expires_at))
            expired.push(await close(entry, 'expired', 'expired'));
        }
        return expired;
      });
    },
  };
}
