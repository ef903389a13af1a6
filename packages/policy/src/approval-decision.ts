import {
  type Clock,
  hashJson,
  identitySchema,
  idSchema,
  type Signer,
  systemClock,
  timestampSchema,
} from '@karnel/core';
import { z } from 'zod';
import { signPayload, verifyPayload } from './signed-json';

const answerSchema: z.ZodEnum<Record<'approve' | 'deny', 'approve' | 'deny'>> = z.enum([
  'approve',
  'deny',
]);

/**
 * A signed answer to an approval request: what the approver's key signs. Every fact that using
 * the approval relies on is inside the signature — which request, who asked, the capability,
 * the exact action (by hash) and until when — so editing a stored copy can change none of them.
 */
export const approvalDecisionSchema = z.strictObject({
  /** Always `karnel.approval.v2` (v1 answers did not sign the expiry and are no longer accepted). */
  type: z.literal('karnel.approval.v2'),
  /** The request answered. */
  approval_id: idSchema('apr'),
  /** Who asked to act (agent id, role or did:key), as recorded when the request was made. */
  actor: z.string().min(1),
  /** The worker identity that signed the request, when one did. */
  requested_by: z.string().optional(),
  /** The capability the action needs, normalised. */
  capability: z.string().min(1),
  /** The hash of the exact action approved: a changed action has another hash. */
  action_hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** After this time the approval is void, whatever any file says. */
  expires_at: timestampSchema,
  /** The answer. */
  decision: answerSchema,
  /** The approver's identity (did:key). */
  signer: identitySchema,
  /** When it was signed. */
  signed_at: timestampSchema,
  /** An optional comment for the audit trail. */
  comment: z.string().optional(),
  /** Ed25519 signature by `signer` over the RFC 8785 canonical JSON of the other fields. */
  signature: z.string(),
});

/** A signed answer to an approval request. */
export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

/** The recorded facts of a request that an answer signs (see {@link approvalDecisionSchema}). */
export interface ApprovalFacts {
  /** The request id. */
  readonly id: `apr_${string}`;
  /** Who asked to act. */
  readonly actor: string;
  /** The worker identity that signed the request, when one did. */
  readonly requested_by?: string | undefined;
  /** The capability, normalised. */
  readonly capability: string;
  /** `hashAction(action)`. */
  readonly action_hash: string;
  /** The expiry of the request. */
  readonly expires_at: string;
}

/** Options of {@link signApprovalDecision}. */
export interface SignApprovalDecisionOptions {
  /** Approve or deny. */
  readonly decision: 'approve' | 'deny';
  /** A comment for the audit trail. */
  readonly comment?: string;
  /** The clock for `signed_at`. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * Signs an answer to an approval request with an approver's key. The signature covers the
 * request id, the requester, the capability, the action hash and the expiry, so it can approve
 * nothing else and nothing later. Take `request` from `ApprovalQueue.get`, which checks it
 * against the ledger, never from a file read by hand.
 */
export function signApprovalDecision(
  request: ApprovalFacts,
  signer: Signer,
  { decision, comment, clock = systemClock }: SignApprovalDecisionOptions,
): ApprovalDecision {
  const body = {
    type: 'karnel.approval.v2' as const,
    approval_id: request.id,
    actor: request.actor,
    ...(request.requested_by !== undefined ? { requested_by: request.requested_by } : {}),
    capability: request.capability,
    action_hash: request.action_hash,
    expires_at: request.expires_at,
    decision,
    signer: signer.did,
    signed_at: clock.now().toISOString(),
    ...(comment !== undefined ? { comment } : {}),
  };
  return { ...body, signature: signPayload(body, signer) };
}

/** The hash an approval is bound to: SHA-256 of the RFC 8785 canonical JSON of the action. */
export function hashAction(action: unknown): string {
  return hashJson(action ?? null);
}

/**
 * The signed facts of `decision` that differ from `facts` (`approval_id`, `actor`,
 * `requested_by`, `capability`, `action_hash`, `expires_at`); empty when they agree.
 */
export function decisionMismatches(decision: ApprovalDecision, facts: ApprovalFacts): string[] {
  const fields: string[] = [];
  if (decision.approval_id !== facts.id) fields.push('approval_id');
  if (decision.actor !== facts.actor) fields.push('actor');
  if (decision.requested_by !== facts.requested_by) fields.push('requested_by');
  if (decision.capability !== facts.capability) fields.push('capability');
  if (decision.action_hash !== facts.action_hash) fields.push('action_hash');
  if (decision.expires_at !== facts.expires_at) fields.push('expires_at');
  return fields;
}

/** Whether `decision` is well formed and its signature verifies for its signer. Never throws. */
export function verifyApprovalDecision(decision: unknown): boolean {
  return parseVerifiedDecision(decision) !== undefined;
}

/** `decision` parsed, when it is well formed and its signature verifies; else `undefined`. */
export function parseVerifiedDecision(decision: unknown): ApprovalDecision | undefined {
  const parsed = approvalDecisionSchema.safeParse(decision);
  return parsed.success && verifyPayload(parsed.data, parsed.data.signature, parsed.data.signer)
    ? parsed.data
    : undefined;
}
