import type { SafeModeStatus } from '@karnel/policy';
import type {
  ApprovalView,
  BudgetAlert,
  EscalationView,
  OrgMember,
  Section,
} from '../group-reader';
import type { RunSummary } from '../runs-view';
import { Badge, Csrf, Problem } from './layout';
import { RunsLive } from './runs-live';

/** What the "What needs me" page shows. */
export interface OverviewData {
  readonly approvals: Section<readonly ApprovalView[]>;
  readonly escalations: Section<readonly EscalationView[]>;
  readonly members: Section<readonly OrgMember[]>;
  readonly alerts: Section<readonly BudgetAlert[]>;
  readonly safeMode: Section<SafeModeStatus>;
  readonly runs: Section<readonly RunSummary[]>;
  readonly queued: readonly { member: string; kind: string; detail: string; at: string }[];
  readonly csrf: string;
  readonly canSign: boolean;
}

/** The safe-mode switch: a form that posts the flip, signed server-side. */
export function SafeModeSwitch({
  status,
  csrf,
  canSign,
}: {
  status: SafeModeStatus;
  csrf: string;
  canSign: boolean;
}) {
  const state = status.state;
  return (
    <div>
      <p>
        {'Safe mode is '}
        <Badge tone={status.active ? 'bad' : 'ok'}>{status.active ? 'on' : 'off'}</Badge>
        {state ? (
          <span class="muted">{` since ${state.changed_at}, by ${state.changed_by}: ${state.reason}`}</span>
        ) : null}
      </p>
      {status.problem ? <p class="problem">{`${status.problem} (treated as on)`}</p> : null}
      {canSign ? (
        <form method="post" action="/safe-mode" class="row">
          <Csrf token={csrf} />
          <input type="hidden" name="on" value={status.active ? 'false' : 'true'} />
          <label for="safe-mode-reason">Reason</label>
          <input
            id="safe-mode-reason"
            type="text"
            name="reason"
            value={status.active ? 'turned off from the dashboard' : 'turned on from the dashboard'}
          />
          <button type="submit" class={status.active ? 'primary' : 'danger'}>
            {status.active ? 'Turn safe mode off' : 'Turn safe mode on'}
          </button>
        </form>
      ) : (
        <p class="muted">
          Start the dashboard with the owner's key (--key) to switch safe mode here.
        </p>
      )}
    </div>
  );
}

/** The pending approval requests, redrawn over server-sent events (event `approvals`). */
export function PendingApprovals({ approvals }: { approvals: Section<readonly ApprovalView[]> }) {
  if (!approvals.ok) return <Problem problem={approvals} />;
  const pending = approvals.value.filter((view) => view.request.status === 'pending');
  if (pending.length === 0) return <p class="muted">Nothing waits for your approval.</p>;
  return (
    <>
      <p>
        <strong>{`${pending.length} waiting`}</strong>
      </p>
      <ul class="plain">
        {pending.map(({ request, runId }) => (
          <li>
            <a href={`/approvals#${request.id}`}>{request.capability}</a>
            {` requested by ${request.actor}: ${request.reason}`}
            {runId ? <span class="muted">{` (run ${runId})`}</span> : null}
          </li>
        ))}
      </ul>
    </>
  );
}

/** "What needs me": pending approvals, escalations, members paused or failing, budget alerts, safe mode, live runs. */
export function OverviewPage({ data }: { data: OverviewData }) {
  const troubled = data.members.ok
    ? data.members.value.filter((member) => member.paused || member.failing > 0)
    : [];
  return (
    <div hx-ext="sse" sse-connect="/events">
      <div class="grid">
        <section class="card" aria-labelledby="h-pending">
          <h2 id="h-pending">Pending approvals</h2>
          <div id="pending-live" sse-swap="approvals" aria-live="polite">
            <PendingApprovals approvals={data.approvals} />
          </div>
        </section>
        <section class="card" aria-labelledby="h-safe">
          <h2 id="h-safe">Safe mode</h2>
          {data.safeMode.ok ? (
            <SafeModeSwitch status={data.safeMode.value} csrf={data.csrf} canSign={data.canSign} />
          ) : (
            <Problem problem={data.safeMode} />
          )}
        </section>
        <section class="card" aria-labelledby="h-members">
          <h2 id="h-members">{`Members paused or failing (${troubled.length})`}</h2>
          {!data.members.ok ? (
            <Problem problem={data.members} />
          ) : troubled.length === 0 ? (
            <p class="muted">Every member is working.</p>
          ) : (
            <ul class="plain">
              {troubled.map((member) => (
                <li>
                  <strong>{member.role}</strong>{' '}
                  {member.paused ? <Badge tone="warn">paused</Badge> : null}{' '}
                  {member.failing > 0 ? (
                    <Badge tone="bad">{`${member.failing} failed in a row`}</Badge>
                  ) : null}
                  {member.paused ? <span class="muted">{` ${member.paused.why}`}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card" aria-labelledby="h-budget">
          <h2 id="h-budget">Budget alerts</h2>
          {!data.alerts.ok ? (
            <Problem problem={data.alerts} />
          ) : data.alerts.value.length === 0 ? (
            <p class="muted">Every budget is under 80%.</p>
          ) : (
            <ul class="plain">
              {data.alerts.value.map((alert) => (
                <li>
                  <Badge
                    tone={alert.level === 'exceeded' ? 'bad' : 'warn'}
                  >{`${alert.percent}%`}</Badge>
                  {` ${alert.what}: ${alert.spent} of ${alert.budget}`}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card" aria-labelledby="h-escalations">
          <h2 id="h-escalations">Escalations</h2>
          {!data.escalations.ok ? (
            <Problem problem={data.escalations} />
          ) : data.escalations.value.length === 0 ? (
            <p class="muted">No escalation in the ledger.</p>
          ) : (
            <ul class="plain">
              {data.escalations.value.map((escalation) => (
                <li>
                  <a href={`/ledger/${escalation.entry.seq}`}>{escalation.summary}</a>
                  <span class="muted">
                    {` ${escalation.from ?? '?'} → ${escalation.to ?? '?'}, ${escalation.entry.time}`}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section aria-labelledby="h-live">
        <h2 id="h-live">Runs now</h2>
        <p id="live-status" class="muted live" aria-live="polite">
          Live updates need JavaScript; reload to refresh.
        </p>
        <div id="runs-live" sse-swap="runs" aria-live="polite">
          {data.runs.ok ? (
            <RunsLive runs={data.runs.value} queued={data.queued} />
          ) : (
            <Problem problem={data.runs} />
          )}
        </div>
      </section>
    </div>
  );
}
