import { type LedgerEntry, readLedgerEntries } from '@karnel/ledger';
import { createLedgerHistory, type RunSummary } from './ledger-history';
import { readCommitted } from './read-committed';

/** Everything the ledger holds about one run: {@link readRun}. */
export interface RunRecord {
  /** Where the run stands, its member, steps and cost. */
  readonly summary: RunSummary;
  /** Its steps (`runs/<id>/steps.jsonl`, each line checked against its entry's digest), oldest first. */
  readonly steps: readonly unknown[];
  /** Every ledger entry about the run, in chain order. */
  readonly entries: readonly LedgerEntry[];
}

function runIdOf(entry: LedgerEntry): unknown {
  return entry.body.run_id ?? entry.body.runId;
}

/**
 * Reads one run from the group ledger in `ledgerDir`: summary, steps and raw entries (what
 * `karnel runs show` prints). Returns `undefined` when no run has that id.
 *
 * @throws LedgerIntegrityError (from `@karnel/ledger`) when the chain does not verify.
 */
export async function readRun(ledgerDir: string, runId: string): Promise<RunRecord | undefined> {
  const history = createLedgerHistory(ledgerDir);
  await history.refresh();
  const summary = history.runs.get(runId);
  if (!summary) return undefined;
  const entries: LedgerEntry[] = [];
  const steps: unknown[] = [];
  for await (const entry of readLedgerEntries(ledgerDir, { fromSeq: summary.startedSeq })) {
    if (runIdOf(entry) !== runId) continue;
    entries.push(entry);
    if (entry.type !== 'run.step' || !entry.files[0]) continue;
    const bytes = await readCommitted(ledgerDir, entry.files[0], entry);
    try {
      steps.push(JSON.parse(bytes.toString('utf8')));
    } catch {
      steps.push({ error: 'the step is not JSON' });
    }
  }
  return { summary, steps, entries };
}
