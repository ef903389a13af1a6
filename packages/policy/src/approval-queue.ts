import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Clock,
  createId,
  hashJson,
  InvalidArgumentError,
  identitySchema,
  idSchema,
  isId,
  type Signer,
  systemClock,
  timestampSchema,
  withFileLock,
  writeFileAtomic,
} from '@karnel/core';
import { z } from 'zod';
import type { Authority } from './authority';
import { formatCapability, parseCapability } from './capability';
import type { PolicyLedger } from './policy-ledger';
import { signPayload, verifyPayload } from './signed-json';

/** The states of an approval request. Only `pending` moves; every other state is final. */
export const APPROVAL_STATUSES = [
  'pending',
  'approved',
  'denied',
  'expired',
  'cancelled',
  'used',
] as const;

/** One of {@link APPROVAL_STATUSES}. */
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

// Enum schemas typed by name, so that the documentation shows the union rather than an object of
// undocumented values.
const statusSchema: z.ZodEnum<Record<ApprovalStatus, ApprovalStatus>> = z.enum(APPROVAL_STATUSES);
const answerSchema: z.ZodEnum<Record<'approve' | 'deny', 'approve' | 'deny'>> = z.enum([
  'approve',
  'deny',
]);

/** A signed answer to an approval request: what the approver's key signs. */
export const approvalDecisionSchema = z.strictObject({
  /** Always `karnel.approval.v1`. */
  type: z.literal('karnel.approval.v1'),
  /** The request answered. */
  approval_id: idSchema('apr'),
  /** The hash of the exact action approved: a changed action has another hash. */
  action_hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The capability, repeated so the signer sees what it signs. */
  capability: z.string(),
  /** The answer. */
  decision: answerSchema,
  /** The approver's identity (did:key). */
  signer: identitySchema,
  /** When it was signed. */
  signed_at: timestampSchema,
  /** An optional comment for the audit trail. */
  comment: z.string().optional(),
  /** Ed25519 signature by `signer` over the canonical JSON of the other fields. */
  signature: z.string(),
});

/** A signed answer to an approval request. */
export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

/** An approval request as stored in `approvals/<apr_id>.json`. */
export const approvalRequestSchema = z.strictObject({
  /** Always `karnel.approval-request.v1`. */
  type: z.literal('karnel.approval-request.v1'),
  /** The request id (`apr_…`). */
  id: idSchema('apr'),
  /** Who wants to act (agent id, role or did:key). */
  actor: z.string(),
  /** The capability the action needs, normalised. */
  capability: z.string(),
  /** The exact action, as JSON. */
  action: z.unknown(),
  /** `hashJson(action)`: RFC 8785 canonical JSON, SHA-256, hex. */
  action_hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Why approval is needed (the policy's reason). */
  reason: z.string(),
  /** The rule that asked for approval, when known. */
  rule: z.string().optional(),
  /** The identity of the worker that asked, when it signed the request. */
  requested_by: z.string().optional(),
  /** The requester's signature over the request fields. */
  request_signature: z.string().optional(),
  /** When the request was made. */
  requested_at: timestampSchema,
  /** After this time the request, and an approval of it, are void. */
  expires_at: timestampSchema,
  /** Where the request stands. */
  status: statusSchema,
  /** The signed answer, once there is one. */
  decision: approvalDecisionSchema.optional(),
  /** When the approval was used, and by whom. */
  used: z
    .strictObject({
      /** When. */
      at: timestampSchema,
      /** The executor's identity, when it signed. */
      by: z.string().optional(),
    })
    .optional(),
  /** When and why the request was cancelled or expired. */
  closed: z
    .strictObject({
      /** When. */
      at: timestampSchema,
      /** Why (`expired`, or the cancellation reason). */
      reason: z.string(),
    })
    .optional(),
});

/** An approval request. */
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** Why an approval operation was refused. */
export type ApprovalRefusal =
  | 'not-found'
  | 'not-pending'
  | 'expired'
  | 'bad-signature'
  | 'unauthorised'
  | 'action-mismatch'
  | 'not-approved'
  | 'malformed';

/** The result of approving, denying or using an approval. */
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
  /** The agent or group directory; requests live in `approvals/`. */
  readonly dir: string;
  /** Who may approve: the owner, and delegates with approval rights. */
  readonly authority: Pick<Authority, 'authorizeApprover'>;
  /** Where every request, approval, denial, expiry and use is recorded. */
  readonly ledger?: PolicyLedger;
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

/** A persistent queue of approval requests, each bound to the hash of one exact action. */
export interface ApprovalQueue {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** Opens a request, writes it to `approvals/<id>.json` and records `approval.requested`. */
  request(request: NewApprovalRequest): Promise<ApprovalRequest>;
  /** A request by id, with `status` showing `expired` once its time is up; `undefined` if unknown. */
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Every request (optionally only those with `status`), oldest first. */
  list(options?: { status?: ApprovalStatus }): Promise<ApprovalRequest[]>;
  /**
   * Applies a signed approval or denial. Refused (and recorded as `approval.rejected`) when the
   * signature does not verify, the signer may not approve this capability, the signature is for
   * another request or action, the request is no longer pending, or it has expired.
   */
  decide(decision: ApprovalDecision): Promise<ApprovalResult>;
  /**
   * Uses an approval once, for exactly the approved action: refused if `action` hashes
   * differently, the approval is expired, denied, or already used. Records `approval.executed`,
   * signed by `executor` when given.
   */
  use(id: string, action: unknown, options?: { executor?: Signer }): Promise<ApprovalResult>;
  /** Cancels every pending request (safe mode does this); records `approval.cancelled` for each. */
  cancelPending(reason: string, options?: { signer?: Signer }): Promise<ApprovalRequest[]>;
  /** Marks every overdue pending or approved request expired; records `approval.expired` for each. */
  expireOverdue(): Promise<ApprovalRequest[]>;
}

/**
 * Signs an answer to an approval request with an approver's key. The signature covers the
 * request id and the action hash, so it can approve nothing else.
 */
export function signApprovalDecision(
  request: Pick<ApprovalRequest, 'id' | 'action_hash' | 'capability'>,
  signer: Signer,
  {
    decision,
    comment,
    clock = systemClock,
  }: { decision: 'approve' | 'deny'; comment?: string; clock?: Clock },
): ApprovalDecision {
  const body = {
    type: 'karnel.approval.v1' as const,
    approval_id: request.id,
    action_hash: request.action_hash,
    capability: request.capability,
    decision,
    signer: signer.did,
    signed_at: clock.now().toISOString(),
    ...(comment !== undefined ? { comment } : {}),
  };
  return { ...body, signature: signPayload(body, signer) };
}

/** The hash an approval is bound to: SHA-256 of the RFC 8785 canonical JSON of the action. */
export function hashAction(action: unknown): string {
  return hashJson(action);
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
 * Creates an {@link ApprovalQueue} stored in `<dir>/approvals/`. Each request is one JSON file
 * replaced atomically under a cross-process lock, so a restart between request and approval
 * loses nothing and two processes cannot both use one approval.
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
  const fileOf = (id: string) => join(folder, `${id}.json`);

  const read = async (id: string): Promise<ApprovalRequest | undefined> => {
    if (!isId(id, 'apr')) return undefined;
    let text: string;
    try {
      text = await readFile(fileOf(id), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = approvalRequestSchema.safeParse(JSON.parse(text));
      return parsed.success && parsed.data.id === id ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };
  const write = async (request: ApprovalRequest) => {
    await writeFileAtomic(fileOf(request.id), `${JSON.stringify(request, null, 2)}\n`);
  };
  const isOverdue = (request: ApprovalRequest) =>
    Date.parse(request.expires_at) <= clock.now().getTime();
  const effective = (request: ApprovalRequest): ApprovalRequest =>
    (request.status === 'pending' || request.status === 'approved') && isOverdue(request)
      ? { ...request, status: 'expired' }
      : request;
  const record = async (type: string, body: Record<string, unknown>, signer?: Signer) => {
    await ledger?.append({ type, body }, signer ? { signer } : {});
  };
  const summary = (request: ApprovalRequest) => ({
    approval_id: request.id,
    actor: request.actor,
    capability: request.capability,
    action_hash: request.action_hash,
  });
  const expire = async (request: ApprovalRequest): Promise<ApprovalRequest> => {
    const expired: ApprovalRequest = {
      ...request,
      status: 'expired',
      closed: { at: clock.now().toISOString(), reason: 'expired' },
    };
    await write(expired);
    await record('approval.expired', { ...summary(request), expires_at: request.expires_at });
    return expired;
  };
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

  const list = async ({ status }: { status?: ApprovalStatus } = {}): Promise<ApprovalRequest[]> => {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return [];
    }
    const requests: ApprovalRequest[] = [];
    for (const name of names
      .filter((entry) => entry.startsWith('apr_') && entry.endsWith('.json'))
      .sort()) {
      const request = await read(name.slice(0, -'.json'.length));
      if (request) requests.push(effective(request));
    }
    return status ? requests.filter((request) => request.status === status) : requests;
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
      if (!parsed.success)
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
        action_hash: hashAction(action ?? null),
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
      await locked(() => write(request));
      await record(
        'approval.requested',
        { ...summary(request), reason, ...(rule ? { rule } : {}), expires_at: request.expires_at },
        requester,
      );
      return request;
    },
    async get(id) {
      const request = await read(id);
      return request ? effective(request) : undefined;
    },
    list,
    async decide(decision) {
      const shape = approvalDecisionSchema.safeParse(decision);
      if (!shape.success)
        return refuse('malformed', 'the decision is not a well-formed signed approval');
      return locked(async () => {
        const request = await read(decision.approval_id);
        if (!request)
          return refuse(
            'not-found',
            `no approval request ${decision.approval_id}`,
            undefined,
            decision.signer,
          );
        if (!verifyPayload(decision, decision.signature, decision.signer)) {
          return refuse(
            'bad-signature',
            `the signature does not verify for ${decision.signer}`,
            request,
            decision.signer,
          );
        }
        if (
          decision.action_hash !== request.action_hash ||
          decision.capability !== request.capability
        ) {
          return refuse(
            'action-mismatch',
            'the signed action is not the requested action',
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
        if (isOverdue(request)) {
          const expired = await expire(request);
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
        const updated: ApprovalRequest = {
          ...request,
          status: decision.decision === 'approve' ? 'approved' : 'denied',
          decision,
        };
        await write(updated);
        await record(decision.decision === 'approve' ? 'approval.approved' : 'approval.denied', {
          ...summary(request),
          decision: { ...decision },
          ...(authorised.via !== 'owner' ? { via_grant: authorised.via.id } : {}),
        });
        return { ok: true, request: updated };
      });
    },
    async use(id, action, { executor } = {}) {
      return locked(async () => {
        const request = await read(id);
        if (!request) return refuse('not-found', `no approval request ${id}`);
        if (hashAction(action ?? null) !== request.action_hash) {
          return refuse(
            'action-mismatch',
            'this action differs from the approved one; it needs its own approval',
            request,
            executor?.did,
          );
        }
        if (request.status === 'pending' && isOverdue(request)) {
          return refuse(
            'expired',
            `request ${id} expired at ${request.expires_at}`,
            await expire(request),
            executor?.did,
          );
        }
        if (request.status !== 'approved') {
          return refuse(
            request.status === 'used' ? 'not-pending' : 'not-approved',
            `request ${id} is ${request.status}`,
            request,
            executor?.did,
          );
        }
        if (isOverdue(request))
          return refuse(
            'expired',
            `the approval of ${id} expired at ${request.expires_at}`,
            await expire(request),
            executor?.did,
          );
        const decision = request.decision;
        if (
          decision?.decision !== 'approve' ||
          !verifyPayload(decision, decision.signature, decision.signer) ||
          decision.action_hash !== request.action_hash ||
          decision.approval_id !== request.id
        ) {
          return refuse(
            'bad-signature',
            `the stored approval of ${id} does not verify`,
            request,
            executor?.did,
          );
        }
        const authorised = await authority.authorizeApprover(decision.signer, request.capability);
        if (!authorised.ok)
          return refuse(
            'unauthorised',
            `the approver's authority is gone: ${authorised.reason}`,
            request,
            executor?.did,
          );
        const used: ApprovalRequest = {
          ...request,
          status: 'used',
          used: { at: clock.now().toISOString(), ...(executor ? { by: executor.did } : {}) },
        };
        await write(used);
        await record(
          'approval.executed',
          {
            ...summary(request),
            requested_by: request.requested_by,
            approved_by: decision.signer,
            ...(executor ? { executed_by: executor.did } : {}),
          },
          executor,
        );
        return { ok: true, request: used };
      });
    },
    async cancelPending(reason, { signer } = {}) {
      return locked(async () => {
        const cancelled: ApprovalRequest[] = [];
        for (const request of await list()) {
          if (request.status !== 'pending' && request.status !== 'approved') continue;
          const closed: ApprovalRequest = {
            ...request,
            status: 'cancelled',
            closed: { at: clock.now().toISOString(), reason },
          };
          await write(closed);
          await record('approval.cancelled', { ...summary(request), reason }, signer);
          cancelled.push(closed);
        }
        return cancelled;
      });
    },
    async expireOverdue() {
      return locked(async () => {
        const expired: ApprovalRequest[] = [];
        for (const request of await list()) {
          const stored = await read(request.id);
          if (
            stored &&
            (stored.status === 'pending' || stored.status === 'approved') &&
            isOverdue(stored)
          )
            expired.push(await expire(stored));
        }
        return expired;
      });
    },
  };
}
