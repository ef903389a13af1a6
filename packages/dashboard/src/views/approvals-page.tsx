import type { ApprovalView } from '../group-reader';
import { Badge, Csrf } from './layout';

const STATUS_TONE: Record<string, 'ok' | 'warn' | 'bad' | undefined> = {
  pending: 'warn',
  approved: 'ok',
  used: 'ok',
  denied: 'bad',
  expired: undefined,
  revoked: 'bad',
  cancelled: undefined,
};

function amountOf(action: unknown, capability: string): string | undefined {
  // A spend capability carries its amount: `spend:40.00 USD`.
  if (capability.startsWith('spend:')) return capability.slice('spend:'.length);
  if (!action || typeof action !== 'object') return undefined;
  const record = action as Record<string, unknown>;
  const amount = record.amount ?? record.cost ?? record.price;
  return typeof amount === 'string' || typeof amount === 'number' ? String(amount) : undefined;
}

/** The approval inbox: each request with capability, amount, action hash, requester and run; approve and deny forms. */
export function ApprovalsPage({
  approvals,
  csrf,
  canSign,
  signerDid,
}: {
  approvals: readonly ApprovalView[];
  csrf: string;
  canSign: boolean;
  signerDid?: string;
}) {
  return (
    <>
      <p class="muted">
        {canSign
          ? `Decisions are signed on the server with ${signerDid} and recorded in the ledger.`
          : 'Read-only: start the dashboard with the owner key (--key) to approve or deny here.'}
      </p>
      {approvals.length === 0 ? <p>No approval requests.</p> : null}
      <ul class="plain">
        {approvals.map(({ request, runId }) => {
          const amount = amountOf(request.action, request.capability);
          return (
            <li id={request.id}>
              <h2>
                {request.capability}{' '}
                <Badge tone={STATUS_TONE[request.status]}>{request.status}</Badge>
              </h2>
              <dl class="facts">
                <dt>Request</dt>
                <dd class="mono">{request.id}</dd>
                <dt>Requester</dt>
                <dd>{request.actor}</dd>
                <dt>Reason</dt>
                <dd>{request.reason}</dd>
                {amount ? (
                  <>
                    <dt>Amount</dt>
                    <dd>{amount}</dd>
                  </>
                ) : null}
                <dt>Action hash</dt>
                <dd class="mono hash">{request.action_hash}</dd>
                <dt>Run</dt>
                <dd>
                  {runId ? (
                    <a href={`/runs/${runId}`} class="mono">
                      {runId}
                    </a>
                  ) : (
                    '—'
                  )}
                </dd>
                <dt>Expires</dt>
                <dd>{request.expires_at}</dd>
                {request.decision ? (
                  <>
                    <dt>Decision</dt>
                    <dd>{`${request.decision.decision} by ${request.decision.signer} at ${request.decision.signed_at}`}</dd>
                  </>
                ) : null}
              </dl>
              <details>
                <summary>Action</summary>
                <pre>{JSON.stringify(request.action, null, 2)}</pre>
              </details>
              {request.status === 'pending' && canSign ? (
                <div class="row">
                  <form method="post" action={`/approvals/${request.id}/approve`} class="inline">
                    <Csrf token={csrf} />
                    <button
                      type="submit"
                      class="primary"
                      aria-label={`Approve ${request.capability} for ${request.actor}`}
                    >
                      Approve
                    </button>
                  </form>
                  <form method="post" action={`/approvals/${request.id}/deny`} class="inline">
                    <Csrf token={csrf} />
                    <button
                      type="submit"
                      class="danger"
                      aria-label={`Deny ${request.capability} for ${request.actor}`}
                    >
                      Deny
                    </button>
                  </form>
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
    </>
  );
}
