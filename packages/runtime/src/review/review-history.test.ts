import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { openLedger, readLedgerEntries } from '@karnel/ledger';
import { afterEach, describe, expect, it } from 'vitest';
import { createReviewHistory, STRATEGIC_REVIEW_RECORD } from './review-history';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function fold(ledgerDir: string) {
  const history = createReviewHistory();
  for await (const entry of readLedgerEntries(ledgerDir)) history.observe(entry);
  return history;
}

describe('the review history fold', () => {
  it("counts what changed since the last review of each horizon, leaving out bookkeeping, a review's own run and a skip", async () => {
    dir = await mkdtemp(join(tmpdir(), 'karnel-review-history-'));
    const ledgerDir = join(dir, 'ledger');
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const ledger = await openLedger(ledgerDir, { clock });

    // A member's run and a message: two changes for both horizons (three entries for the run).
    const { runId: work } = await ledger.startRun({ manifest: { member: 'writer' } });
    await ledger.finishRun(work, { status: 'succeeded' });
    await ledger.appendCoordination({ from: 'writer', to: 'critic', type: 'info' });
    let history = await fold(ledgerDir);
    expect(history.window('weekly')).toMatchObject({
      changes: 3,
      messages: 1,
      outcomes: 1,
      runs: 1,
    });
    expect(history.window('weekly').base).toBeUndefined();

    // The weekly review runs: its run's records, then its record. Bookkeeping around it.
    await ledger.append({ type: 'runtime.lease_taken', body: { host: 'h', pid: 1 } });
    const { runId: review } = await ledger.startRun({ manifest: { member: 'strategist' } });
    await ledger.finishRun(review, { status: 'succeeded' });
    await ledger.append({
      type: STRATEGIC_REVIEW_RECORD,
      body: { horizon: 'weekly', status: 'reviewed', runId: review, state: 'abc' },
    });
    history = await fold(ledgerDir);
    expect(history.window('weekly')).toMatchObject({
      changes: 0,
      runs: 0,
      base: { status: 'reviewed', runId: review, state: 'abc' },
    });
    // For the monthly horizon the weekly review's own run is no change either.
    expect(history.window('monthly')).toMatchObject({ changes: 3, runs: 1 });
    expect(history.window('monthly').activity).toHaveLength(1);
    expect(history.window('monthly').finished).toEqual([work]);

    // A skip resets the window and is not a change for the other horizon.
    clock.advance(7 * 24 * 3_600_000);
    await ledger.append({
      type: STRATEGIC_REVIEW_RECORD,
      body: { horizon: 'weekly', status: 'skipped', state: 'abc' },
    });
    history = await fold(ledgerDir);
    expect(history.window('weekly')).toMatchObject({
      changes: 0,
      last: { status: 'skipped' },
      base: { status: 'skipped' },
    });
    expect(history.window('monthly').changes).toBe(3);

    // A refused attempt moves the cadence, not the base: what changed still counts.
    await ledger.appendCoordination({ from: 'critic', to: 'writer', type: 'info' });
    await ledger.append({
      type: STRATEGIC_REVIEW_RECORD,
      body: { horizon: 'weekly', status: 'refused', reason: 'over budget' },
    });
    history = await fold(ledgerDir);
    expect(history.window('weekly')).toMatchObject({
      changes: 1,
      messages: 1,
      last: { status: 'refused' },
      base: { status: 'skipped' },
    });
    await ledger.close();
  });
});
