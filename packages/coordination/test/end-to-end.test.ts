import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManualClock, readYamlFile } from '@karnel/core';
import { openLedger, verifyLedger } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import {
  checkProtocol,
  createCoordinator,
  createLedgerArchive,
  type Reviewer,
  readArchivedMessages,
  readProtocolFile,
} from '../src/index';

const example = fileURLToPath(new URL('../../../examples/newsletter-co', import.meta.url));

/** Copies the example group to a temp folder and reads what the coordinator needs from it. */
async function loadGroup() {
  const dir = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'newsletter-co');
  await cp(example, dir, { recursive: true });
  const manifest = (await readYamlFile(join(dir, 'manifest.yaml'))).value as {
    members: { role: string }[];
    coordination_ref: string;
    components: { ledger: string };
  };
  const roles = manifest.members.map((member) => member.role);
  const file = await readProtocolFile(join(dir, manifest.coordination_ref));
  expect(file.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
  expect(
    checkProtocol(file.protocol!, {
      roles,
      document: file.document,
      conditions: ['strategic_pivot_needed'],
    }),
  ).toEqual([]);
  const balances = (await readYamlFile(join(dir, 'treasury', 'balances.yaml'))).value as {
    financial: { budget_weekly: number; spent_this_week: number };
  };
  const cents = (value: number) => Math.round(value * 100);
  const remaining =
    cents(balances.financial.budget_weekly) - cents(balances.financial.spent_this_week);
  return {
    dir,
    roles,
    protocol: file.protocol!,
    ledgerDir: join(dir, manifest.components.ledger),
    remainingBudget: { amount: (remaining / 100).toFixed(2), currency: 'USD' },
  };
}

describe('a review chain and an escalation over the newsletter group and its real ledger', () => {
  it('stops drafts at the critic three times, escalates to the strategist, and leaves a verifiable ledger', async () => {
    const group = await loadGroup();
    const clock = createManualClock('2026-05-18T09:00:00Z');
    const ledger = await openLedger(group.ledgerDir, { clock });
    const coordinator = createCoordinator({
      protocol: group.protocol,
      roles: group.roles,
      archive: createLedgerArchive({ ledger }),
      clock,
      predicates: { strategic_pivot_needed: () => false },
    });

    const task = await coordinator.dispatch({
      from: 'strategist',
      to: 'writer',
      payload: { title: 'Issue 3: the real cost of GPU idle time', task_class: 'issue_drafting' },
      refs: { goals: ['g_quality'] },
    });
    expect(task.payload.mode).toBe('directive');

    const asked: string[] = [];
    const critical: Reviewer = ({ step }) => {
      asked.push(step.actor);
      return step.actor === 'critic'
        ? {
            verdict: 'reject',
            comments: 'headline promises numbers the draft never gives',
            cost: { amount: '0.31', currency: 'USD' },
          }
        : { verdict: 'approve' };
    };
    for (let attempt = 1; attempt <= 3; attempt++) {
      clock.advance(3_600_000);
      const result = await coordinator.review(task, critical);
      expect(result.outcome).toBe('rejected');
      expect(result.stoppedAt).toEqual({ index: 1, actor: 'critic', action: 'review' });
    }
    // The strategist's approval step is blocking too, but the walk never reached it.
    expect(asked).toEqual(['writer', 'critic', 'writer', 'critic', 'writer', 'critic']);

    clock.advance(60_000);
    const outcome = await coordinator.escalate({
      from: 'critic',
      task: task.id,
      predictedCost: { amount: '41.20', currency: 'USD' },
      remainingBudget: group.remainingBudget,
    });
    expect(group.remainingBudget.amount).toBe('37.70');
    expect(outcome.messages.map((message) => [message.payload.condition, message.to])).toEqual([
      ['cost_overrun_predicted', 'human_owner'],
      ['critic_rejection_3x', 'strategist'],
    ]);
    expect(outcome.evaluation.unevaluated).toEqual([]);
    await ledger.close();

    const report = await verifyLedger(group.ledgerDir);
    expect(report.diagnostics).toEqual([]);
    expect(report.ok).toBe(true);
    // One task, three walks of two steps each, two escalations.
    expect(report.entries).toBe(1 + 6 + 2);

    const archived = await readArchivedMessages(group.ledgerDir);
    expect(archived.map((message) => message.type)).toEqual([
      'task',
      'review',
      'review',
      'review',
      'review',
      'review',
      'review',
      'escalation',
      'escalation',
    ]);
    const rejections = archived.filter(
      (message) => message.type === 'review' && message.payload.verdict === 'reject',
    );
    const streak = outcome.messages[1]!;
    expect(streak.payload.evidence).toEqual(rejections.map((message) => message.id));
    expect(streak.payload.task).toBe(task.id);
  });

  it('does not escalate again from the same archived streak after the ledger is reopened', async () => {
    const group = await loadGroup();
    const clock = createManualClock('2026-05-18T09:00:00Z');
    const first = await openLedger(group.ledgerDir, { clock });
    const coordinator = createCoordinator({
      protocol: group.protocol,
      roles: group.roles,
      archive: createLedgerArchive({ ledger: first }),
      clock,
    });
    const task = await coordinator.dispatch({
      from: 'strategist',
      to: 'writer',
      payload: { title: 'Issue 4' },
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      clock.advance(1000);
      await coordinator.review(task, ({ step }) => ({
        verdict: step.actor === 'critic' ? 'reject' : 'approve',
      }));
    }
    expect((await coordinator.escalate({ from: 'critic' })).messages).toHaveLength(1);
    await first.close();

    const second = await openLedger(group.ledgerDir, { clock });
    const resumed = createCoordinator({
      protocol: group.protocol,
      roles: group.roles,
      archive: createLedgerArchive({ ledger: second }),
      clock,
    });
    expect((await resumed.escalate({ from: 'critic' })).messages).toEqual([]);
    clock.advance(1000);
    const approved = await resumed.review(task, () => ({ verdict: 'approve' }));
    expect(approved.outcome).toBe('approved');
    expect(approved.steps.map((step) => step.step.actor)).toEqual([
      'writer',
      'critic',
      'strategist',
    ]);
    await second.close();
    expect((await verifyLedger(group.ledgerDir)).ok).toBe(true);
  });
});

describe('the network-coordinated oss-maintainers group', () => {
  const oss = fileURLToPath(new URL('../../../examples/oss-maintainers', import.meta.url));

  it('reads back the review recorded in its committed ledger', async () => {
    expect((await verifyLedger(join(oss, 'ledger'))).ok).toBe(true);
    const archived = await readArchivedMessages(join(oss, 'ledger'));
    expect(archived.map((message) => `${message.type}:${message.from}`)).toEqual([
      'task:triager',
      'review:reviewer',
      'review:ci_runner',
      'review:maintainer',
      'info:reviewer',
    ]);
  });

  it('routes along edges only, and escalates two red test runs to the reviewer', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'oss-maintainers');
    await cp(oss, dir, { recursive: true });
    const manifest = (await readYamlFile(join(dir, 'manifest.yaml'))).value as {
      members: { role: string }[];
    };
    const roles = manifest.members.map((member) => member.role);
    const file = await readProtocolFile(join(dir, 'coordination', 'protocol.yaml'));
    expect(checkProtocol(file.protocol!, { roles, document: file.document })).toEqual([]);
    const clock = createManualClock('2026-05-20T09:00:00Z');
    const ledger = await openLedger(join(dir, 'ledger'), { clock });
    const coordinator = createCoordinator({
      protocol: file.protocol!,
      roles,
      archive: createLedgerArchive({ ledger }),
      clock,
    });
    // No edge carries tasks from the test runner to anyone, nor from the triager to the maintainer.
    expect(coordinator.router.dispatch.targetsOf('ci_runner')).toEqual([]);
    await expect(
      coordinator.dispatch({
        from: 'triager',
        to: 'maintainer',
        payload: { title: 'Decide for me' },
      }),
    ).rejects.toThrow(/may not dispatch tasks to "maintainer"/);

    const task = await coordinator.dispatch({
      from: 'triager',
      to: 'reviewer',
      payload: { title: 'Review #240' },
    });
    expect(task.payload.mode).toBe('request');
    for (let run = 0; run < 2; run++) {
      clock.advance(600_000);
      const result = await coordinator.review(task, ({ step }) => ({
        verdict: step.actor === 'ci_runner' ? 'reject' : 'approve',
      }));
      expect(result.stoppedAt).toEqual({ index: 1, actor: 'ci_runner', action: 'run_test_suite' });
    }
    const { messages } = await coordinator.escalate({ from: 'ci_runner', task: task.id });
    expect(messages.map((message) => [message.payload.condition, message.to])).toEqual([
      ['ci_runner_rejection_2x', 'reviewer'],
    ]);
    await ledger.close();
    const history = await readArchivedMessages(join(dir, 'ledger'));
    expect(history.slice(-1)[0]).toMatchObject({ type: 'escalation', to: 'reviewer' });
    expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);
  });
});
