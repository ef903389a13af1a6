import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { type LedgerEntry, openLedger, readLedgerEntries, verifyLedger } from '@karnel/ledger';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../create-runtime';
import { copyExampleGroup } from '../run/example-group.test-support';
import { mockModel, onlyOnDemand, PRICED_TIERS } from './mock-models.test-support';

let cleanup: string | undefined;
afterEach(async () => {
  if (cleanup) await rm(cleanup, { recursive: true, force: true });
  cleanup = undefined;
});

async function entries(dir: string): Promise<LedgerEntry[]> {
  const all: LedgerEntry[] = [];
  for await (const entry of readLedgerEntries(join(dir, 'ledger'))) all.push(entry);
  return all;
}

function lastReviewRecord(all: LedgerEntry[], horizon: string): LedgerEntry {
  return all
    .filter((entry) => entry.type === 'review.strategic' && entry.body.horizon === horizon)
    .at(-1)!;
}

async function manifestOf(dir: string, runId: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, 'ledger', 'runs', runId, 'manifest.json'), 'utf8'));
}

/** The strategist's model: the weekly review unblocks the referral goal; the meta-review only reports. */
function strategistModel() {
  const calls = { weekly: 0, monthly: 0, other: 0 };
  const model = mockModel((prompt, toolResults) => {
    if (prompt.includes('Weekly strategic review')) {
      calls.weekly += 1;
      return toolResults === 0
        ? {
            tool: 'set_goal_status',
            input: {
              goal: 'g_subs_referral',
              status: 'active',
              reason: 'the owner decided: build the referral page',
            },
          }
        : { text: 'Referral unblocked.' };
    }
    if (prompt.includes('Monthly meta-review')) {
      calls.monthly += 1;
      return { text: 'The mission holds; coordination overhead is low.' };
    }
    calls.other += 1;
    return { text: 'nothing to do' };
  });
  return { model, calls };
}

describe('scheduled reviews through runOnce', () => {
  it('wakes the strategist for the weekly and monthly reviews, pays and ledgers them as runs, and skips the next one at zero cost when nothing changed', async () => {
    const { dir } = await copyExampleGroup();
    cleanup = join(dir, '..');
    await onlyOnDemand(dir);
    await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
    const clock = createManualClock('2026-12-07T09:00:00Z');
    // Something happened in the group before the first review.
    const seed = await openLedger(join(dir, 'ledger'), { clock });
    await seed.recordDecision({
      context: { topic: 'referral programme' },
      reasoning: 'The owner chose to build a referral page.',
    });
    await seed.close();

    const { model, calls } = strategistModel();
    const runtime = () =>
      createRuntime({
        dir,
        clock,
        // The weekly curator pass is tested on its own; here only the reviews write records.
        curator: false,
        parts: { languageModels: { languageModel: () => model }, machineTiersFile: false },
      });

    // The tick finds both reviews due for the strategist, and nothing else.
    const due = await runtime().dryRun();
    const wanted = due.filter((wake) => wake.reasons.length > 0);
    expect(wanted.map((wake) => wake.member)).toEqual(['strategist']);
    expect(wanted[0]?.reasons.map((reason) => [reason.kind, reason.ref])).toEqual([
      ['review', 'review:weekly'],
      ['review', 'review:monthly'],
    ]);

    const first = await runtime().runOnce();
    expect(first.runs.map((run) => [run.member, run.result.status])).toEqual([
      ['strategist', 'succeeded'],
      ['strategist', 'succeeded'],
    ]);
    expect(calls).toEqual({ weekly: 2, monthly: 1, other: 0 });
    const goals = await readFile(join(dir, 'goals/current.yaml'), 'utf8');
    expect(goals).not.toContain('owner_decision_pending');

    const ledger = await entries(dir);
    const [weekly, monthly] = first.runs;
    for (const [run, horizon] of [
      [weekly!, 'weekly'],
      [monthly!, 'monthly'],
    ] as const) {
      // run.started, woken by the review reason, paid from a reservation of its own.
      const manifest = await manifestOf(dir, run.runId);
      expect(manifest).toMatchObject({
        member: 'strategist',
        tier: 'frontier-reasoning',
        reasons: [{ kind: 'review', ref: `review:${horizon}` }],
      });
      const opened = ledger.find(
        (entry) =>
          entry.type === 'reservation.opened' &&
          String(entry.body.purpose).startsWith(`run ${run.runId} of strategist`),
      );
      expect(opened?.body).toMatchObject({ amount: '2.00', model_class: 'frontier-reasoning' });
      expect(manifest.reservationId).toBe(opened?.body.id);
      const spent = ledger.find(
        (entry) => entry.type === 'spend.recorded' && entry.body.run === run.runId,
      );
      expect(spent?.body).toMatchObject({ reservation: opened?.body.id });
      expect(Number(run.result.cost)).toBeGreaterThan(0);
      expect(spent?.body.amount).toBe(run.result.cost);
      const outcome = await readFile(join(dir, 'ledger/runs', run.runId, 'outcome.yaml'), 'utf8');
      expect(outcome).toContain('status: succeeded');
      expect(outcome).toContain(`cost: "${run.result.cost}"`);
      const record = ledger.find(
        (entry) => entry.type === 'review.strategic' && entry.body.runId === run.runId,
      );
      expect(record?.body).toMatchObject({ horizon, status: 'reviewed', reviewer: 'strategist' });
      // The review's record comes after its run's outcome.
      const finished = ledger.find(
        (entry) => entry.type === 'run.finished' && entry.body.run_id === run.runId,
      );
      expect(record!.seq).toBeGreaterThan(finished!.seq);
    }
    expect(
      ledger.find(
        (entry) => entry.body.runId === weekly!.runId && entry.type === 'review.strategic',
      )?.body.goals,
    ).toEqual(['g_subs_referral: blocked → active']);

    // Nothing is due again the same day.
    expect((await runtime().runOnce()).runs).toEqual([]);
    const status = await runtime().status();
    expect(status.members.find((member) => member.member === 'strategist')).toMatchObject({
      due: [],
      nextWakeAt: new Date(
        Date.parse(lastReviewRecord(await entries(dir), 'weekly').time) + 7 * 86_400_000,
      ).toISOString(),
      nextWakeWhy: 'weekly strategic review',
    });

    // A week later the weekly review is due; nothing changed since: skipped, no model call,
    // no reservation, no run.
    clock.advance(8 * 24 * 3_600_000);
    const before = await entries(dir);
    const idle = await runtime().runOnce();
    expect(idle).toEqual({ runs: [], refused: [] });
    expect(calls).toEqual({ weekly: 2, monthly: 1, other: 0 });
    const added = (await entries(dir)).slice(before.length);
    expect(added.filter((entry) => !entry.type.startsWith('runtime.lease'))).toMatchObject([
      {
        type: 'review.strategic',
        body: { horizon: 'weekly', status: 'skipped', reviewer: 'strategist' },
      },
    ]);
    expect(String(added.find((entry) => entry.type === 'review.strategic')?.body.reason)).toContain(
      'nothing recorded since',
    );

    // The skip is not a change: a week later it is skipped again.
    clock.advance(7 * 24 * 3_600_000);
    await runtime().runOnce();
    expect(calls.weekly).toBe(2);

    // An edit of the goals file by hand is a change: the next weekly review runs.
    await writeFile(
      join(dir, 'goals/current.yaml'),
      `# edited by the owner\n${await readFile(join(dir, 'goals/current.yaml'), 'utf8')}`,
    );
    clock.advance(7 * 24 * 3_600_000);
    const edited = await runtime().runOnce();
    expect(edited.runs.map((run) => run.member)).toContain('strategist');
    expect(calls.weekly).toBeGreaterThan(2);
    expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);
  });

  it('abandons a review run cut short by a crash instead of resuming it, and runs the review again', async () => {
    const { dir } = await copyExampleGroup();
    cleanup = join(dir, '..');
    await onlyOnDemand(dir);
    await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const seed = await openLedger(join(dir, 'ledger'), { clock });
    await seed.recordDecision({ context: { topic: 'pricing' }, reasoning: 'Raise the price.' });
    const { runId: cut } = await seed.startRun({
      manifest: {
        member: 'strategist',
        reasons: [
          {
            kind: 'review',
            detail: 'weekly strategic review (cadence weekly), none yet',
            ref: 'review:weekly',
            at: clock.now().toISOString(),
          },
        ],
        resumed: false,
        tier: 'frontier-reasoning',
      },
    });
    await seed.close();

    const { model, calls } = strategistModel();
    const report = await createRuntime({
      dir,
      clock,
      parts: { languageModels: { languageModel: () => model }, machineTiersFile: false },
    }).runOnce();
    expect(report.runs.map((run) => run.runId)).not.toContain(cut);
    expect(report.runs).toHaveLength(2);
    expect(calls).toMatchObject({ weekly: 2, monthly: 1, other: 0 });
    const outcome = await readFile(join(dir, 'ledger/runs', cut, 'outcome.yaml'), 'utf8');
    expect(outcome).toContain('status: abandoned');
    const records = (await entries(dir)).filter((entry) => entry.type === 'review.strategic');
    expect(records.map((entry) => [entry.body.horizon, entry.body.status])).toEqual([
      ['weekly', 'reviewed'],
      ['monthly', 'reviewed'],
    ]);
  });

  it('records a review the treasury refuses, without a model call or a run, and tries again a day later', async () => {
    const { dir } = await copyExampleGroup();
    cleanup = join(dir, '..');
    await onlyOnDemand(dir);
    await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
    const member = join(dir, 'members/strategist.yaml');
    await writeFile(
      member,
      (await readFile(member, 'utf8')).replace('max_cost_per_run: 2.00', 'max_cost_per_run: 40.00'),
    );
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const seed = await openLedger(join(dir, 'ledger'), { clock });
    await seed.recordDecision({ context: { topic: 'pricing' }, reasoning: 'Raise the price.' });
    await seed.close();
    const { model, calls } = strategistModel();
    const runtime = () =>
      createRuntime({
        dir,
        clock,
        parts: { languageModels: { languageModel: () => model }, machineTiersFile: false },
      });
    expect(await runtime().runOnce()).toEqual({ runs: [], refused: [] });
    expect(calls).toEqual({ weekly: 0, monthly: 0, other: 0 });
    const ledger = await entries(dir);
    expect(ledger.filter((entry) => entry.type === 'run.started')).toEqual([]);
    const records = ledger.filter((entry) => entry.type === 'review.strategic');
    expect(records.map((entry) => [entry.body.horizon, entry.body.status])).toEqual([
      ['weekly', 'refused'],
      ['monthly', 'refused'],
    ]);
    expect(String(records[0]?.body.reason)).toContain('the treasury refused the review');
    // Not due again an hour later; tried again a day later.
    clock.advance(3_600_000);
    const due = await runtime().dryRun();
    expect(due.find((wake) => wake.member === 'strategist')?.reasons).toEqual([]);
    clock.advance(24 * 3_600_000);
    const again = await runtime().dryRun();
    expect(
      again.find((wake) => wake.member === 'strategist')?.reasons.map((reason) => reason.ref),
    ).toEqual(['review:weekly', 'review:monthly']);
  });

  it('is gated by the group policy like any run: a goal change the policy does not allow is refused and recorded', async () => {
    const { dir } = await copyExampleGroup();
    cleanup = join(dir, '..');
    await onlyOnDemand(dir);
    await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
    const policy = join(dir, 'policy.yaml');
    const text = await readFile(policy, 'utf8');
    const withoutGoals = text.replace(
      '  - id: update-goals\n    effect: allow\n    capability: "goal.update"\n',
      '',
    );
    expect(withoutGoals).not.toBe(text);
    await writeFile(policy, withoutGoals);
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const seed = await openLedger(join(dir, 'ledger'), { clock });
    await seed.recordDecision({ context: { topic: 'pricing' }, reasoning: 'Raise the price.' });
    await seed.close();
    const goalsBefore = await readFile(join(dir, 'goals/current.yaml'));
    const { model } = strategistModel();
    const report = await createRuntime({
      dir,
      clock,
      reviews: { meta: false },
      parts: { languageModels: { languageModel: () => model }, machineTiersFile: false },
    }).runOnce();
    expect(report.runs.map((run) => run.result.status)).toEqual(['succeeded']);
    expect(await readFile(join(dir, 'goals/current.yaml'))).toEqual(goalsBefore);
    const record = lastReviewRecord(await entries(dir), 'weekly');
    expect(record.body).toMatchObject({ status: 'reviewed', goals: [] });
    expect(String((record.body.refused as string[])[0])).toMatch(
      /^goal\.update:g_subs_referral is denied/,
    );
  });
});
