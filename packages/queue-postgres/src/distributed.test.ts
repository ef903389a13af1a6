import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCost } from '@karnel/core';
import { readLedgerEntries, verifyLedger } from '@karnel/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepCost } from '../test/fixtures/deterministic-executor.mjs';
import {
  eventually,
  startTestPostgres,
  type TestPostgres,
  uniqueGroup,
} from '../test/postgres-server';
import { type Child, makeGroupDir, startChild } from '../test/processes';
import { createPostgresRunQueue } from './postgres-run-queue';

const STEPS = 3;

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
const stopOwn: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all([server?.stop(), ...stopOwn.map((stop) => stop())]);
});

interface LedgerFacts {
  started: string[];
  finished: string[];
  steps: Map<string, number[]>;
  order: { type: string; runId: string }[];
  spends: { amount: string; reservation: string }[];
}

async function ledgerFacts(dir: string): Promise<LedgerFacts> {
  const facts: LedgerFacts = { started: [], finished: [], steps: new Map(), order: [], spends: [] };
  for await (const entry of readLedgerEntries(join(dir, 'ledger'))) {
    const body = entry.body as Record<string, unknown>;
    const runId = typeof body.run_id === 'string' ? body.run_id : '';
    if (entry.type === 'run.started') facts.started.push(runId);
    if (entry.type === 'run.finished') facts.finished.push(runId);
    if (entry.type === 'run.step') {
      facts.steps.set(runId, [...(facts.steps.get(runId) ?? []), Number(body.index)]);
    }
    if (entry.type === 'run.started' || entry.type === 'run.finished') {
      facts.order.push({ type: entry.type, runId });
    }
    if (entry.type === 'spend.recorded') {
      facts.spends.push({ amount: String(body.amount), reservation: String(body.reservation) });
    }
  }
  return facts;
}

async function countFinished(dir: string): Promise<number> {
  let finished = 0;
  for await (const entry of readLedgerEntries(join(dir, 'ledger'), { type: 'run.finished' })) {
    if (entry.type === 'run.finished') finished += 1;
  }
  return finished;
}

/** Enqueues wakes for each member until `perMember` of them were queued (not coalesced). */
async function drive(url: string, group: string, members: string[], perMember: number) {
  const queue = await createPostgresRunQueue({
    connectionString: url,
    group,
    leaseSeconds: 10,
    sweepSeconds: 1,
  });
  const remaining = new Map(members.map((member) => [member, perMember]));
  let queued = 0;
  try {
    while (remaining.size > 0) {
      for (const [member, left] of remaining) {
        try {
          const result = await queue.enqueue(member, {
            kind: 'manual',
            detail: `wake ${perMember - left + 1} of ${member}`,
            at: new Date().toISOString(),
          });
          if (result.status === 'queued') {
            queued += 1;
            if (left === 1) remaining.delete(member);
            else remaining.set(member, left - 1);
          }
        } catch {
          // The database is restarting: try again on the next round.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  } finally {
    await queue.close().catch(() => {});
  }
  return queued;
}

async function checkLedger(dir: string, members: string[], runs: number) {
  const report = await verifyLedger(join(dir, 'ledger'));
  expect(report.firstBad).toBeUndefined();
  expect(report.ok).toBe(true);
  const facts = await ledgerFacts(dir);
  // Every run exactly once: started once, finished once, every step once and in order.
  expect(facts.started).toHaveLength(runs);
  expect(new Set(facts.started).size).toBe(runs);
  expect(facts.finished).toHaveLength(runs);
  expect(new Set(facts.finished)).toEqual(new Set(facts.started));
  for (const runId of facts.started) {
    expect(facts.steps.get(runId)).toEqual(Array.from({ length: STEPS }, (_, index) => index));
  }
  // Per member, a run starts only after the member's previous run finished.
  const memberOf = new Map<string, string>();
  for (const runId of facts.started) {
    const manifest = JSON.parse(
      await readFile(join(dir, 'ledger', 'runs', runId, 'manifest.json'), 'utf8'),
    ) as { member: string };
    memberOf.set(runId, manifest.member);
  }
  expect(new Set(memberOf.values())).toEqual(new Set(members));
  const runningOf = new Map<string, string>();
  let overlaps = 0;
  for (const { type, runId } of facts.order) {
    const member = memberOf.get(runId) ?? '';
    if (type === 'run.started') {
      if (runningOf.has(member)) overlaps += 1;
      runningOf.set(member, runId);
    } else if (runningOf.get(member) === runId) runningOf.delete(member);
  }
  expect(overlaps).toBe(0);
  // Charged once per run, and the treasury's spending is the exact sum of the steps' costs.
  expect(facts.spends).toHaveLength(runs);
  expect(new Set(facts.spends.map((spend) => spend.reservation)).size).toBe(runs);
  const spent = facts.spends.reduce((sum, spend) => sum + cost(spend.amount), 0n);
  let stepsTotal = 0n;
  for (const runId of facts.started) {
    for (let step = 0; step < STEPS; step += 1) stepsTotal += cost(stepCost(runId, step));
    const recorded = (await readFile(join(dir, 'ledger', 'runs', runId, 'steps.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { cost: string; step: number });
    expect(recorded.map((step) => step.step)).toEqual([0, 1, 2]);
  }
  expect(spent).toBe(stepsTotal);
  return facts;
}

function cost(text: string): bigint {
  const parsed = parseCost(text);
  if (!parsed.ok) throw new Error(`not a cost: ${text}`);
  return parsed.value;
}

describe('a coordinator and executor processes', () => {
  it('run a 50-member group through 500 runs: each once, one at a time per member, the ledger verifies and the treasury adds up', async () => {
    const dir = await makeGroupDir();
    const group = uniqueGroup('fifty');
    const env = { KARNEL_QUEUE_URL: server.url, KARNEL_TEST_GROUP: group };
    const members = Array.from({ length: 50 }, (_, index) => `member-${index}`);
    const coordinator = startChild('coordinator-process.mjs', [dir], env);
    const executors = [0, 1, 2].map(() => startChild('executor-process.mjs', [], env));
    try {
      await Promise.all(
        [coordinator, ...executors].map((child) => child.waitFor((line) => line === 'ready')),
      );
      expect(await drive(server.url, group, members, 10)).toBe(500);
      await eventually(async () => ((await countFinished(dir)) >= 500 ? true : undefined), {
        timeoutMs: 600_000,
        everyMs: 1000,
      });
    } finally {
      await Promise.all(executors.map((child) => child.stop()));
      await coordinator.stop();
    }
    await checkLedger(dir, members, 500);
    await rm(dir, { recursive: true, force: true });
    // Every executor took part.
    for (const child of executors) {
      expect(child.lines.some((line) => line.endsWith(' executed'))).toBe(true);
    }
  }, 900_000);

  it('survive a killed executor, a killed coordinator and a restarted PostgreSQL with nothing lost, duplicated or charged twice', async () => {
    const dir = await makeGroupDir();
    const group = uniqueGroup('faults');
    // A cluster of its own: restarting the shared one would cut other test files' connections.
    const own = await startTestPostgres({ own: true });
    stopOwn.push(() => own.stop());
    const env = {
      KARNEL_QUEUE_URL: own.url,
      KARNEL_TEST_GROUP: group,
      KARNEL_TEST_STEP_MS: '40',
    };
    const members = Array.from({ length: 20 }, (_, index) => `member-${index}`);
    let coordinator: Child = startChild('coordinator-process.mjs', [dir], env);
    const executors = [0, 1, 2].map(() => startChild('executor-process.mjs', [], env));
    const children = () => [coordinator, ...executors];
    let killedRun = '';
    try {
      await Promise.all(children().map((child) => child.waitFor((line) => line === 'ready')));
      const driving = drive(own.url, group, members, 10);

      // 1. An executor is killed between two steps of a run.
      const victim = executors[0] as Child;
      await eventually(async () => ((await countFinished(dir)) >= 30 ? true : undefined));
      const midRun = await victim.waitFor((line) => /^step \S+ 1$/.test(line), {
        after: victim.lines.length,
      });
      await victim.kill();
      killedRun = midRun.split(' ')[1] ?? '';

      // 2. The coordinator is killed and started again.
      await eventually(async () => ((await countFinished(dir)) >= 80 ? true : undefined));
      await coordinator.kill();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      coordinator = startChild('coordinator-process.mjs', [dir], env);
      await coordinator.waitFor((line) => line === 'ready');

      // 3. PostgreSQL restarts under everyone.
      await eventually(async () => ((await countFinished(dir)) >= 120 ? true : undefined));
      await own.restart('fast');

      expect(await driving).toBe(200);
      await eventually(async () => ((await countFinished(dir)) >= 200 ? true : undefined), {
        timeoutMs: 600_000,
        everyMs: 1000,
      });

      // The killed executor's run was reclaimed by another executor and finished there.
      const reclaimed = executors
        .slice(1)
        .flatMap((child) => child.lines)
        .filter((line) => line.startsWith(`run ${killedRun} `));
      expect(reclaimed.some((line) => / [1-9]\d* executed$/.test(line))).toBe(true);
    } finally {
      await Promise.all(executors.map((child) => child.stop()));
      await coordinator.stop();
    }
    const facts = await checkLedger(dir, members, 200);
    // Its steps were recorded once each (0, 1, 2), the first ones by the killed executor.
    expect(facts.steps.get(killedRun)).toEqual([0, 1, 2]);
    await rm(dir, { recursive: true, force: true });
  }, 900_000);

  it('fence off an executor cut off past its lease: its run finishes elsewhere and nothing it sends afterwards is recorded', async () => {
    const dir = await makeGroupDir();
    const group = uniqueGroup('partition');
    const env = {
      KARNEL_QUEUE_URL: server.url,
      KARNEL_TEST_GROUP: group,
      KARNEL_TEST_STEP_MS: '200',
    };
    const members = Array.from({ length: 4 }, (_, index) => `member-${index}`);
    const coordinator = startChild('coordinator-process.mjs', [dir], env);
    const executors = [0, 1].map(() => startChild('executor-process.mjs', [], env));
    let frozenRun = '';
    try {
      await Promise.all(
        [coordinator, ...executors].map((child) => child.waitFor((line) => line === 'ready')),
      );
      const driving = drive(server.url, group, members, 3);
      const frozen = executors[0] as Child;
      // Cut off (stopped, so it cannot even notice) between two steps of a run …
      const midRun = await frozen.waitFor((line) => /^step \S+ 1$/.test(line));
      frozen.process.kill('SIGSTOP');
      frozenRun = midRun.split(' ')[1] ?? '';
      // … until the other executor has reclaimed and finished that run …
      await (executors[1] as Child).waitFor(
        (line) => line.startsWith(`run ${frozenRun} `) && line.endsWith(' executed'),
        { timeoutMs: 120_000 },
      );
      // … then the link comes back: the stale executor learns it lost the claim.
      frozen.process.kill('SIGCONT');
      const stale = await frozen.waitFor((line) => line.startsWith(`run ${frozenRun} `));
      expect(stale).toMatch(/ 0 (lost|fenced)$/);
      expect(await driving).toBe(12);
      await eventually(async () => ((await countFinished(dir)) >= 12 ? true : undefined), {
        timeoutMs: 300_000,
        everyMs: 500,
      });
    } finally {
      await Promise.all(executors.map((child) => child.stop()));
      await coordinator.stop();
    }
    const facts = await checkLedger(dir, members, 12);
    expect(facts.steps.get(frozenRun)).toEqual([0, 1, 2]);
    await rm(dir, { recursive: true, force: true });
  }, 600_000);
});
