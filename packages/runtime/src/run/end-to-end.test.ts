import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createId, parseCost, type Signer } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { openPolicyDirectory, signApprovalDecision } from '@karnel/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { WakeReason } from '../wake-reason';
import { copyExampleGroup } from './example-group.test-support';
import { openRuntimeParts, type RuntimeParts } from './open-runtime-parts';
import { readRecordedRun } from './recorded-run';
import type { RunResult } from './run-executor';

const run = promisify(execFile);
const child = join(import.meta.dirname, '..', '..', 'test', 'run-member.mjs');

const PRICED_TIERS = [
  'tiers:',
  '  fast-general:',
  '    - model: openai:gpt-5-mini',
  '      price: { input: "0.25", output: "2.00" }',
  '  frontier-reasoning:',
  '    - model: anthropic:claude-sonnet-4-5',
  '      price: { input: "3.00", output: "15.00" }',
  '',
].join('\n');

interface ChildRun {
  readonly result: RunResult;
  /** For each model call the process made: how many answers were already in its prompt. */
  readonly modelCalls: number[];
}

let dir: string;
let owner: Signer;

/** Carries out (or resumes) one run in a fresh runtime process. */
async function runInChild(
  member: string,
  runId: string,
  reasons: WakeReason[],
  resume = false,
): Promise<ChildRun> {
  const { stdout } = await run(
    process.execPath,
    [child, dir, member, runId, resume ? '1' : '0', JSON.stringify(reasons)],
    { timeout: 120_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildRun;
}

/** Opens the group in this process (no model: a call would throw) to look at it. */
async function inspect<T>(look: (parts: RuntimeParts) => Promise<T>): Promise<T> {
  const parts = await openRuntimeParts(dir, {
    machineTiersFile: false,
    languageModels: {
      languageModel: () => {
        throw new Error('the test process never calls a model');
      },
    },
  });
  try {
    return await look(parts);
  } finally {
    await parts.close();
  }
}

async function lastMessage(type: string, to: string) {
  const history = await inspect((parts) => parts.coordinator.history());
  const found = history.filter((message) => message.type === type && message.to === to).at(-1);
  expect(found).toBeDefined();
  return found!;
}

const woken = (ref: string): WakeReason[] => [
  { kind: 'message', detail: `message ${ref}`, ref, at: '2026-12-07T09:00:00Z' },
];

const results: { runId: string; result: RunResult }[] = [];

beforeAll(async () => {
  ({ dir, owner } = await copyExampleGroup());
  await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
});
afterAll(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('a group runs end to end (mock models, a restart between park and resume)', () => {
  const researcherRun = createId('run');
  const firstDraftRun = createId('run');
  const firstReviewRun = createId('run');
  const revisionRun = createId('run');
  const secondReviewRun = createId('run');

  it('a due researcher run briefs the writer', async () => {
    const { result, modelCalls } = await runInChild('researcher', researcherRun, [
      { kind: 'cadence', detail: 'cadence daily is due', at: '2026-12-07T08:00:00Z' },
    ]);
    results.push({ runId: researcherRun, result });
    expect(result.status).toBe('succeeded');
    expect(modelCalls).toEqual([0, 1, 2, 3, 4]);
  });

  it('the writer drafts, the critic blocks, the writer revises and asks to spend over the gate', async () => {
    const brief = await lastMessage('info', 'writer');
    const draft = await runInChild('writer', firstDraftRun, woken(brief.id));
    results.push({ runId: firstDraftRun, result: draft.result });
    expect(draft.result.status).toBe('succeeded');

    const submitted = await lastMessage('result', 'critic');
    const review = await runInChild('critic', firstReviewRun, woken(submitted.id));
    results.push({ runId: firstReviewRun, result: review.result });
    expect(review.result.status).toBe('succeeded');
    const rejection = await lastMessage('review', 'writer');
    expect(rejection.payload).toMatchObject({ verdict: 'reject', blocking: true, step: 1 });

    const revision = await runInChild('writer', revisionRun, woken(rejection.id));
    results.push({ runId: revisionRun, result: revision.result });
    expect(revision.result.status).toBe('parked');
    expect(revision.result.waitingOn).toMatch(/^apr_/);
    expect(revision.modelCalls).toEqual([0, 1]);
  });

  it('a signed approval after a restart resumes the run without calling the model for recorded steps', async () => {
    const parked = results.at(-1)!.result;
    // The owner answers, as `karnel approvals approve` does: a decision signed with the owner key.
    const ledger = await openLedger(join(dir, 'ledger'), { signer: owner });
    try {
      const policy = await openPolicyDirectory(dir, { ledger, signer: owner });
      const request = await policy.approvals.get(parked.waitingOn!);
      expect(request).toMatchObject({
        status: 'pending',
        actor: 'writer',
        capability: 'spend:40.00 USD',
      });
      const answer = await policy.approvals.decide(
        signApprovalDecision(request!, owner, { decision: 'approve' }),
      );
      expect(answer.ok).toBe(true);
    } finally {
      await ledger.close();
    }

    const rejection = await lastMessage('review', 'writer');
    const resumed = await runInChild('writer', revisionRun, woken(rejection.id), true);
    results.push({ runId: revisionRun, result: resumed.result });
    expect(resumed.result.status).toBe('succeeded');
    // Calls 0 and 1 were answered from the ledger; only the final answer went to the model.
    expect(resumed.modelCalls).toEqual([2]);

    const steps = await inspect(
      async (parts) => (await readRecordedRun(parts.ledger, revisionRun)).steps,
    );
    const spends = steps.filter((step) => step.tool === 'spend');
    expect(spends.map((step) => step.decision)).toEqual(['needs-approval', 'allow']);
    expect(spends[1]?.approvalId).toBe(parked.waitingOn);
    expect(spends[1]?.idempotencyKey).toBe(`${revisionRun}:${spends[1]?.step}`);
    expect(steps.filter((step) => step.tool === 'send_message')).toHaveLength(1);
  });

  it('the critic approves the revision: the review chain is in the coordination log', async () => {
    const revised = await lastMessage('result', 'critic');
    const approval = await runInChild('critic', secondReviewRun, woken(revised.id));
    results.push({ runId: secondReviewRun, result: approval.result });
    expect(approval.result.status).toBe('succeeded');
    const history = await inspect((parts) => parts.coordinator.history());
    expect(
      history.map((message) => {
        const verdict = (message.payload as { verdict?: string }).verdict;
        return `${message.type}${verdict ? `:${verdict}` : ''} ${message.from}->${String(message.to)}`;
      }),
    ).toEqual([
      'info researcher->writer',
      'result writer->critic',
      'review:reject critic->writer',
      'result writer->critic',
      'review:approve critic->writer',
    ]);
  });

  it('then the ledger verifies, the treasury holds exactly the recorded costs, memory holds the episodes', async () => {
    await inspect(async (parts) => {
      const report = await parts.ledger.verify();
      expect(report.ok).toBe(true);

      // What the runs recorded: each run's settled cost in its outcome, plus the one spend.
      let recorded = 0n;
      const runIds = [...new Set(results.map((entry) => entry.runId))];
      for (const runId of runIds) {
        const outcome = parseYaml(
          await readFile(join(dir, 'ledger', 'runs', runId, 'outcome.yaml'), 'utf8'),
        ) as { status: string; cost: string };
        expect(outcome.status).toBe('succeeded');
        const cost = parseCost(outcome.cost);
        expect(cost.ok).toBe(true);
        if (cost.ok) recorded += cost.value;
      }
      const spend = parseCost('40.00');
      if (spend.ok) recorded += spend.value;
      const balances = await parts.treasury.balances();
      const cent = 10n ** 10n;
      expect(balances.totals.spent * cent).toBe(recorded);
      expect(balances.openReservations).toHaveLength(0);
      expect(recorded).toBeGreaterThan(spend.ok ? spend.value : 0n);

      const episodes = async (role: string) =>
        (await parts.memoryOf(role).readEpisodes({ kinds: ['run.completed'] })).map(
          (episode) => episode.data?.runId,
        );
      expect(await episodes('researcher')).toContain(researcherRun);
      expect(await episodes('writer')).toEqual(
        expect.arrayContaining([firstDraftRun, revisionRun]),
      );
      expect(await episodes('critic')).toEqual(
        expect.arrayContaining([firstReviewRun, secondReviewRun]),
      );
      const findings = await parts.memoryOf('researcher').readEpisodes({ kinds: ['finding'] });
      expect(findings).toHaveLength(1);
    });
  });
});
