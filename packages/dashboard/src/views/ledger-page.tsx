import type { InclusionProof, LedgerEntry, VerifyReport } from '@karnel/ledger';
import { Badge, TableWrap } from './layout';

/** Timeline filters: label and the type prefixes they keep. */
export const LEDGER_FILTERS: Readonly<Record<string, readonly string[]>> = {
  all: [],
  runs: ['run.', 'wake.', 'member.'],
  decisions: ['decision.', 'outcome.', 'approval.', 'safe_mode.', 'safe-mode.', 'grant.'],
  messages: ['coordination.', 'message.'],
  spend: ['spend.', 'reservation.', 'revenue.', 'treasury.'],
};

/** What the verification badge shows. */
export interface LedgerStatus {
  /** The last verification, when one ran. */
  readonly report?: VerifyReport;
  /** The last checkpoint configured or found, described. */
  readonly checkpoint?: string;
  /** Entries in the ledger. */
  readonly size: number;
  /** Why the ledger could not be read, if so. */
  readonly problem?: string;
}

/** The chain's verification status and last checkpoint. */
export function LedgerStatusCard({ status }: { status: LedgerStatus }) {
  const report = status.report;
  return (
    <section class="card" aria-labelledby="h-verify">
      <h2 id="h-verify">Verification</h2>
      {status.problem ? (
        <p class="problem" role="alert">
          {status.problem}
        </p>
      ) : null}
      {report ? (
        <dl class="facts">
          <dt>Chain</dt>
          <dd>
            <Badge tone={report.ok ? 'ok' : 'bad'}>{report.ok ? 'intact' : 'broken'}</Badge>
            {` ${report.entries} entries verified, ${report.signed} signed`}
          </dd>
          {report.firstBad ? (
            <>
              <dt>First bad entry</dt>
              <dd>{`#${report.firstBad.seq}: ${report.diagnostics[0]?.message ?? ''}`}</dd>
            </>
          ) : null}
          <dt>Root</dt>
          <dd class="mono hash">{report.root ?? '—'}</dd>
          <dt>Last checkpoint</dt>
          <dd>{status.checkpoint ?? 'none configured (start with --checkpoint <file>)'}</dd>
        </dl>
      ) : (
        <p class="muted">Not verified yet.</p>
      )}
    </section>
  );
}

/** The ledger timeline, newest first, with filters and paging. */
export function LedgerPage({
  entries,
  filter,
  before,
  status,
}: {
  entries: readonly LedgerEntry[];
  filter: string;
  before?: number;
  status: LedgerStatus;
}) {
  const last = entries.at(-1);
  return (
    <>
      <LedgerStatusCard status={status} />
      <h2>Timeline</h2>
      <form method="get" action="/ledger" class="row">
        <label for="ledger-filter">Show</label>
        <select id="ledger-filter" name="filter">
          {Object.keys(LEDGER_FILTERS).map((name) => (
            <option value={name} selected={name === filter}>
              {name}
            </option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      {entries.length === 0 ? (
        <p class="muted">No entries.</p>
      ) : (
        <TableWrap label="Ledger timeline">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Type</th>
                <th scope="col" class="wide">
                  Time
                </th>
                <th scope="col">Summary</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr>
                  <td>
                    <a href={`/ledger/${entry.seq}`}>{String(entry.seq)}</a>
                  </td>
                  <td class="mono">{entry.type}</td>
                  <td class="wide">{entry.time}</td>
                  <td>{JSON.stringify(entry.body).slice(0, 120)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {last && last.seq > 0 ? (
        <p>
          <a href={`/ledger?filter=${filter}&before=${last.seq}`}>Older entries</a>
          {before !== undefined ? (
            <>
              {' · '}
              <a href={`/ledger?filter=${filter}`}>Newest</a>
            </>
          ) : null}
        </p>
      ) : null}
    </>
  );
}

/** An inclusion proof, as a definition list. */
export function ProofView({ proof }: { proof: InclusionProof }) {
  return (
    <div id="proof">
      <h2>Inclusion proof</h2>
      <dl class="facts">
        <dt>Entry</dt>
        <dd>{`#${proof.seq}`}</dd>
        <dt>Leaf hash</dt>
        <dd class="mono hash">{proof.hash}</dd>
        <dt>Tree size</dt>
        <dd>{String(proof.size)}</dd>
        <dt>Root</dt>
        <dd class="mono hash">{proof.root}</dd>
        <dt>Path</dt>
        <dd>
          <ol class="mono hash">
            {proof.path.map((hash) => (
              <li>{hash}</li>
            ))}
          </ol>
        </dd>
      </dl>
      <p class="muted">
        Check it with verifyInclusion from @karnel/ledger, or `karnel ledger prove`.
      </p>
    </div>
  );
}

/** One ledger entry, with its inclusion proof on request. */
export function EntryPage({ entry, proof }: { entry: LedgerEntry; proof?: InclusionProof }) {
  return (
    <>
      <dl class="facts">
        <dt>Type</dt>
        <dd class="mono">{entry.type}</dd>
        <dt>Time</dt>
        <dd>{entry.time}</dd>
        <dt>Hash</dt>
        <dd class="mono hash">{entry.hash}</dd>
        <dt>Previous</dt>
        <dd class="mono hash">{entry.prev}</dd>
        <dt>Signed by</dt>
        <dd class="mono hash">{entry.signer ?? 'unsigned'}</dd>
      </dl>
      <h2>Body</h2>
      <pre>{JSON.stringify(entry.body, null, 2)}</pre>
      {entry.files.length > 0 ? (
        <>
          <h2>Files</h2>
          <pre>{JSON.stringify(entry.files, null, 2)}</pre>
        </>
      ) : null}
      <div id="proof-region">
        {proof ? (
          <ProofView proof={proof} />
        ) : (
          <p>
            <a
              href={`/ledger/${entry.seq}?proof=1`}
              hx-get={`/ledger/${entry.seq}/proof`}
              hx-target="#proof-region"
              hx-swap="innerHTML"
            >
              Show the inclusion proof
            </a>
          </p>
        )}
      </div>
    </>
  );
}
