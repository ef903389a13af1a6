import type { RunSummary } from '../runs-view';
import { Badge, TableWrap } from './layout';

const TONES = {
  running: undefined,
  parked: 'warn',
  succeeded: 'ok',
  failed: 'bad',
  abandoned: 'bad',
} as const;

/** A run's state as a badge. */
export function RunState({ run }: { run: RunSummary }) {
  return <Badge tone={TONES[run.state]}>{run.state}</Badge>;
}

/**
 * The live table of running and parked runs and queued wakes, redrawn over server-sent events
 * when the ledger grows (event `runs`).
 */
export function RunsLive({
  runs,
  queued,
}: {
  runs: readonly RunSummary[];
  queued: readonly { member: string; kind: string; detail: string; at: string }[];
}) {
  const active = runs.filter((run) => run.state === 'running' || run.state === 'parked');
  return (
    <div id="runs-live-content">
      {active.length === 0 ? (
        <p class="muted">No run is in progress.</p>
      ) : (
        <TableWrap label="Runs in progress">
          <table>
            <caption class="muted">Runs in progress</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Member</th>
                <th scope="col">State</th>
                <th scope="col">Steps</th>
                <th scope="col" class="wide">
                  Why
                </th>
              </tr>
            </thead>
            <tbody>
              {active.map((run) => (
                <tr>
                  <td class="mono">
                    <a href={`/runs/${run.runId}`}>{run.runId}</a>
                  </td>
                  <td>{run.member ?? '—'}</td>
                  <td>
                    <RunState run={run} />
                    {run.waitingOn ? (
                      <span class="muted">{` waits on ${run.waitingOn.id}`}</span>
                    ) : null}
                  </td>
                  <td>{String(run.steps)}</td>
                  <td class="wide">
                    {run.reasons.map((reason) => `${reason.kind}: ${reason.detail}`).join('; ') ||
                      '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {queued.length > 0 ? (
        <>
          <h3>Queued wakes</h3>
          <ul class="plain">
            {queued.map((wake) => (
              <li>
                <strong>{wake.member}</strong>
                {` — ${wake.kind}: ${wake.detail} `}
                <span class="muted">{wake.at}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
