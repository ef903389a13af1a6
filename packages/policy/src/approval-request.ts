import { idSchema, timestampSchema } from '@karnel/core';
import { z } from 'zod';
import { approvalDecisionSchema } from './approval-decision';

/**
 * The states of an approval request. Only `pending` and `approved` move; every other state is
 * final. The state is derived from the ledger's `approval.*` records, never from a file.
 */
export const APPROVAL_STATUSES = [
  'pending',
  'approved',
  'denied',
  'expired',
  'cancelled',
  'revoked',
  'used',
] as const;

/** One of {@link APPROVAL_STATUSES}. */
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

// Typed by name, so that the documentation shows the union rather than an object of values.
const statusSchema: z.ZodEnum<Record<ApprovalStatus, ApprovalStatus>> = z.enum(APPROVAL_STATUSES);

/**
 * An approval request as the queue reports it, and as it writes a readable copy of it to
 * `approvals/<apr_id>.json`. The copy is never trusted: every field but `action` comes from the
 * ledger, and `action` is accepted only when it hashes to the recorded `action_hash`.
 */
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
  /** `hashAction(action)`: RFC 8785 canonical JSON, SHA-256, hex. */
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
  /** When and why the request was cancelled, revoked or expired. */
  closed: z
    .strictObject({
      /** When. */
      at: timestampSchema,
      /** Why (`expired`, or the cancellation or revocation reason). */
      reason: z.string(),
    })
    .optional(),
});

/** An approval request. */
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;
