import { type CommittedEntry, isId, type LedgerReader } from '@karnel/core';
import { z } from 'zod';
import {
  type ApprovalDecision,
  decisionMismatches,
  parseVerifiedDecision,
} from './approval-decision';
import { createLedgerCursor } from './ledger-cursor';

/** The facts of a request as its `approval.requested` record holds them. */
const recordedRequestSchema = z.object({
  approval_id: z.string(),
  actor: z.string(),
  capability: z.string(),
  action_hash: z.string(),
  reason: z.string().optional(),
  rule: z.string().optional(),
  expires_at: z.string(),
  requested_at: z.string().optional(),
  requested_by: z.string().optional(),
  request_signature: z.string().optional(),
});

/** A request as recorded in the ledger. */
export interface RecordedRequest {
  /** The request id. */
  readonly id: `apr_${string}`;
  /** Who asked. */
  readonly actor: string;
  /** The capability, normalised. */
  readonly capability: string;
  /** The hash of the action. */
  readonly action_hash: string;
  /** Why approval is needed. */
  readonly reason: string;
  /** The rule that asked. */
  readonly rule?: string;
  /** The expiry. */
  readonly expires_at: string;
  /** When it was made (the entry's time for records written before this field existed). */
  readonly requested_at: string;
  /** The worker identity that signed it. */
  readonly requested_by?: string;
  /** The worker's signature over the request. */
  readonly request_signature?: string;
}

/** Something that happened to a request after it was made, as the ledger recorded it. */
export type ApprovalEvent =
  | {
      /** A signed answer whose signature verifies and whose facts are the recorded ones. */
      readonly kind: 'decision';
      /** The answer. */
      readonly decision: ApprovalDecision;
    }
  | {
      /** The approval was used. */
      readonly kind: 'executed';
      /** When. */
      readonly at: string;
      /** The executor's identity, when it signed. */
      readonly by?: string;
    }
  | {
      /** The request was closed without being used. */
      readonly kind: 'cancelled' | 'expired' | 'revoked';
      /** When. */
      readonly at: string;
      /** Why. */
      readonly reason: string;
    };

/** One request and everything recorded about it, in ledger order. */
export interface RecordedApproval {
  /** The request. */
  readonly request: RecordedRequest;
  /** What happened to it, oldest first. */
  readonly events: ApprovalEvent[];
}

const closingTypes: Record<string, 'cancelled' | 'expired' | 'revoked'> = {
  'approval.cancelled': 'cancelled',
  'approval.expired': 'expired',
  'approval.revoked': 'revoked',
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The approvals a ledger records, kept up to date incrementally. */
export interface ApprovalHistory {
  /**
   * Every approval request and what happened to it, oldest first, including entries appended
   * (by any process) since the last call. The first `approval.requested` record of an id is the
   * request; later ones for the same id are ignored. A signed answer counts only when its
   * signature verifies and it signs exactly the recorded facts; closing records (`executed`,
   * `cancelled`, `expired`, `revoked`) only ever narrow, so they count whoever appended them.
   */
  read(): Promise<ReadonlyMap<string, RecordedApproval>>;
}

/** Creates the {@link ApprovalHistory} of a ledger. */
export function createApprovalHistory(reader: LedgerReader): ApprovalHistory {
  const approvals = new Map<string, RecordedApproval>();
  const cursor = createLedgerCursor(reader);
  const apply = (entry: CommittedEntry) => {
    if (!entry.type.startsWith('approval.')) return;
    const id = text(entry.body.approval_id);
    if (id === undefined || !isId(id, 'apr')) return;
    if (entry.type === 'approval.requested') {
      if (approvals.has(id)) return;
      const parsed = recordedRequestSchema.safeParse(entry.body);
      if (!parsed.success) return;
      const body = parsed.data;
      approvals.set(id, {
        request: {
          id,
          actor: body.actor,
          capability: body.capability,
          action_hash: body.action_hash,
          reason: body.reason ?? 'approval required',
          ...(body.rule !== undefined ? { rule: body.rule } : {}),
          expires_at: body.expires_at,
          requested_at: body.requested_at ?? entry.time,
          ...(body.requested_by !== undefined ? { requested_by: body.requested_by } : {}),
          ...(body.request_signature !== undefined
            ? { request_signature: body.request_signature }
            : {}),
        },
        events: [],
      });
      return;
    }
    const approval = approvals.get(id);
    if (!approval) return;
    if (entry.type === 'approval.approved' || entry.type === 'approval.denied') {
      const decision = parseVerifiedDecision(entry.body.decision);
      if (
        decision !== undefined &&
        decision.decision === (entry.type === 'approval.approved' ? 'approve' : 'deny') &&
        decisionMismatches(decision, approval.request).length === 0
      ) {
        approval.events.push({ kind: 'decision', decision });
      }
    } else if (entry.type === 'approval.executed') {
      const by = text(entry.body.executed_by);
      approval.events.push({
        kind: 'executed',
        at: text(entry.body.executed_at) ?? entry.time,
        ...(by !== undefined ? { by } : {}),
      });
    } else {
      const kind = closingTypes[entry.type];
      if (kind === undefined) return;
      approval.events.push({
        kind,
        at: text(entry.body.closed_at) ?? entry.time,
        reason: text(entry.body.reason) ?? kind,
      });
    }
  };
  return {
    async read() {
      for await (const entry of cursor.next()) apply(entry);
      return approvals;
    },
  };
}
