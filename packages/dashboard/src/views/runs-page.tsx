import type { LedgerEntry } from '@karnel/ledger';
import type { RunFiles, RunSummary } from '../runs-view';
import { TableWrap } from './layout';
import { RunState, RunsLive } from './runs-live';

/** The runs list: the live region on top, then every run, newest first. */
export function RunsPage({
  runs,
  queued,
}: {
  runs: readonly RunSummary[];
  queued: readonly { member: string; kind: string; detail: string; at: string }[];
}) {
  return (
    <>
      <section aria-labelledby="h-live" hx-ext="sse" sse-connect="/events">
        <h2 id="h-live">In progress</h2>
        <p id="live-status" class="muted live" aria-live="polite">
          Live updates need JavaScript; reload to refresh.
        </p>
        <div id="runs-live" sse-swap="runs" aria-live="polite">
          <RunsLive runs={runs} queued={queued} />
        </div>
      </section>
      <h2>All runs</h2>
      {runs.length === 0 ? (
        <p class="muted">No run in the ledger yet.</p>
      ) : (
        <TableWrap label="All runs">
          <table>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Member</th>
                <th scope="col">State</th>
                <th scope="col">Steps</th>
                <th scope="col">Cost</th>
                <th scope="col" class="wide">
                  Started
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.slice(0, 200).map((run) => (
                <tr>
                  <td class="mono">
                    <a href={`/runs/${run.runId}`}>{run.runId}</a>
                  </td>
                  <td>{run.member ?? '—'}</td>
                  <td>
                    <RunState run={run} />
                  </td>
                  <td>{String(run.steps)}</td>
                  <td>{run.cost ?? '—'}</td>
                  <td class="wide">{run.startedAt}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}

function field(step: Record<string, unknown>, name: string): string {
  const value = step[name];
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A run's summary and steps: the part of its page that is redrawn live (event `run`). */
export function RunDetails({ summary, files }: { summary: RunSummary; files: RunFiles }) {
  return (
    <>
      <section aria-labelledby="h-summary">
        <h2 id="h-summary">Summary</h2>
        <dl class="facts">
          <dt>State</dt>
          <dd>
            <RunState run={summary} />
            {summary.waitingOn ? ` waits on ${summary.waitingOn.id}: ${summary.waitingOn.why}` : ''}
          </dd>
          <dt>Member</dt>
          <dd>{summary.member ?? '—'}</dd>
          <dt>Tier</dt>
          <dd>{summary.tier ?? '—'}</dd>
          <dt>Why it woke</dt>
          <dd>
            {summary.reasons.map((reason) => `${reason.kind}: ${reason.detail}`).join('; ') || '—'}
          </dd>
          <dt>Started</dt>
          <dd>{`${summary.startedAt}${summary.resumed ? ' (resumed)' : ''}`}</dd>
          <dt>Steps</dt>
          <dd>{String(summary.steps)}</dd>
          <dt>Cost</dt>
          <dd>{summary.cost ?? 'not settled yet'}</dd>
        </dl>
      </section>
      <section aria-labelledby="h-steps">
        <h2 id="h-steps">Steps</h2>
        {files.steps.length === 0 ? (
          <p class="muted">No steps recorded.</p>
        ) : (
          <TableWrap label="Steps">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Model or tool</th>
                  <th scope="col">Tokens in/out</th>
                  <th scope="col">Cost</th>
                  <th scope="col">Policy</th>
                  <th scope="col" class="wide">
                    Result
                  </th>
                </tr>
              </thead>
              <tbody>
                {files.steps.map((step, index) => (
                  <tr>
                    <td>{typeof step.step === 'number' ? String(step.step) : String(index)}</td>
                    <td>{field(step, 'kind')}</td>
                    <td class="mono">
                      {step.tool !== undefined ? field(step, 'tool') : field(step, 'model')}
                    </td>
                    <td>{`${field(step, 'inputTokens')}/${field(step, 'outputTokens')}`}</td>
                    <td>{field(step, 'cost')}</td>
                    <td>{field(step, 'decision')}</td>
                    <td class="wide">
                      {step.error !== undefined
                        ? `error: ${field(step, 'error')}`
                        : field(step, 'output').slice(0, 200)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}

/** One run: summary, then its steps (tier, model, tokens, cost, tool, policy decision), then the raw records. */
export function RunPage({
  summary,
  files,
  entries,
}: {
  summary: RunSummary;
  files: RunFiles;
  entries: readonly LedgerEntry[];
}) {
  return (
    <>
      <div hx-ext="sse" sse-connect={`/events?run=${encodeURIComponent(summary.runId)}`}>
        <p id="live-status" class="muted live" aria-live="polite">
          Live updates need JavaScript; reload to refresh.
        </p>
        <div id="run-live" sse-swap="run">
          <RunDetails summary={summary} files={files} />
        </div>
      </div>
      <section aria-labelledby="h-raw">
        <h2 id="h-raw">Raw records</h2>
        <details>
          <summary>{`${entries.length} ledger entries and the run's files`}</summary>
          {entries.map((entry) => (
            <>
              <h3>
                <a href={`/ledger/${entry.seq}`}>{`#${entry.seq} ${entry.type}`}</a>
              </h3>
              <pre>{JSON.stringify(entry, null, 2)}</pre>
            </>
          ))}
          <h3>manifest.json</h3>
          <pre>{JSON.stringify(files.manifest ?? null, null, 2)}</pre>
          <h3>outcome.yaml</h3>
          <pre>{JSON.stringify(files.outcome ?? null, null, 2)}</pre>
        </details>
      </section>
    </>
  );
}
