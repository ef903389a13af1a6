import type { ApprovalDecision } from './approval-decision';
import type { RecordedApproval } from './approval-history';
import type { ApprovalRequest, ApprovalStatus } from './approval-request';
import type { Authority } from './authority';

/** A request with the state its recorded events give it (before time-based expiry). */
export interface ReconstructedApproval {
  /** The request as the ledger records it, without its action (which only the copy holds). */
  readonly request: Omit<ApprovalRequest, 'action'>;
  /** The authorised answer that put the request in its state, when there is one. */
  readonly decision?: ApprovalDecision;
}

/**
 * Walks the recorded events of one request, in ledger order, to the state they give it (before
 * time-based expiry). A signed answer counts only when its signer may approve the capability
 * now; once a request is used, denied or closed, later records change nothing.
 */
export async function reconstructApproval(
  recorded: RecordedApproval,
  authority: Pick<Authority, 'authorizeApprover'>,
): Promise<ReconstructedApproval> {
  const facts = recorded.request;
  let status: ApprovalStatus = 'pending';
  let decision: ApprovalDecision | undefined;
  let used: ApprovalRequest['used'];
  let closed: ApprovalRequest['closed'];
  for (const event of recorded.events) {
    if (status !== 'pending' && status !== 'approved') break;
    if (event.kind === 'decision') {
      if (status !== 'pending') continue;
      const authorised = await authority.authorizeApprover(event.decision.signer, facts.capability);
      if (!authorised.ok) continue;
      decision = event.decision;
      status = event.decision.decision === 'approve' ? 'approved' : 'denied';
    } else if (event.kind === 'executed') {
      status = 'used';
      used = { at: event.at, ...(event.by !== undefined ? { by: event.by } : {}) };
    } else {
      status = event.kind;
      closed = { at: event.at, reason: event.reason };
    }
  }
  const request: Omit<ApprovalRequest, 'action'> = {
    type: 'karnel.approval-request.v1',
    ...facts,
    status,
    ...(decision ? { decision } : {}),
    ...(used ? { used } : {}),
    ...(closed ? { closed } : {}),
  };
  return { request, ...(decision ? { decision } : {}) };
}
