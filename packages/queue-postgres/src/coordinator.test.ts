import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLedger, readLedgerEntries, verifyLedger } from '@karnel/ledger';
import { createTreasury } from '@karnel/treasury';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  eventually,
  startTestPostgres,
  type TestPostgres,
  uniqueGroup,
} from '../test/postgres-server';
import { makeGroupDir } from '../test/processes';
import { createCoordinator } from './coordinator';
import { startExecutorWorker } from './executor-worker';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

async function entriesOf(dir: string) {
  const entries: { type: string; body: Record<string, unknown> }[] = [];
  for await (const entry of readLedgerEntries(join(dir, 'ledger'))) {
    entries.push({ type: entry.type, body: entry.body as Record<string, unknown> });
  }
  return entries;
}

async function openGroup(dir: string, group: string, maxCostPerRun = '1.00') {
  const ledgerDir = join(dir, 'ledger');
  const ledger = await openLedger(ledgerDir);
  const treasury = createTreasury({ dir: join(dir, 'treasury'), ledger });
  const queue = { connectionString: server.url, group, leaseSeconds: 10, sweepSeconds: 1 };
  const coordinator = await createCoordinator({
    queue,
    ledger,
    ledgerDir,
    treasury,
    maxCostPerRun,
  });
  return { ledger, coordinator, queue };
}

it('parks a run, and resumes it after its recorded steps on a new reservation when a reason names it', async () => {
  const dir = await makeGroupDir();
  const { ledger, coordinator, queue } = await openGroup(dir, uniqueGroup('park'));
  const worker = await startExecutorWorker({
    queue,
    executor: (session) => ({
      async execute(ticket) {
        await session.appendStep({
          runId: ticket.runId,
          kind: 'model',
          model: 'mock',
          cost: '0.02',
        });
        if (!ticket.resume) return { status: 'parked', cost: '0.02', steps: 1, waitingOn: 'apr_1' };
        return { status: 'succeeded', cost: '0.02', steps: 2 };
      },
    }),
  });
  try {
    await coordinator.queue.enqueue('editor', {
      kind: 'manual',
      detail: 'go',
      at: new Date().toISOString(),
    });
    const parked = await eventually(async () =>
      (await entriesOf(dir)).find((entry) => entry.type === 'run.parked'),
    );
    const runId = String(parked.body.runId);
    await coordinator.queue.enqueue('editor', {
      kind: 'approval-answered',
      detail: 'owner approved',
      ref: 'apr_1',
      runId,
      at: new Date().toISOString(),
    });
    await eventually(async () =>
      (await entriesOf(dir)).find((entry) => entry.type === 'run.finished'),
    );
  } finally {
    await worker.close();
    await coordinator.close();
    await ledger.close();
  }
  const entries = await entriesOf(dir);
  const runTypes = entries.map((entry) => entry.type).filter((type) => type.startsWith('run.'));
  expect(runTypes).toEqual([
    'run.started',
    'run.step',
    'run.parked',
    'run.resumed',
    'run.step',
    'run.finished',
  ]);
  const started = entries.find((entry) => entry.type === 'run.started');
  const resumed = entries.find((entry) => entry.type === 'run.resumed')?.body;
  const finished = entries.find((entry) => entry.type === 'run.finished')?.body;
  expect(resumed?.recordedSteps).toBe(1);
  expect(entries.find((entry) => entry.type === 'run.parked')?.body).toMatchObject({
    step: 1,
    waitingOn: 'apr_1',
    cost: '0.02',
  });
  expect(finished).toMatchObject({ run_id: started?.body.run_id, steps: 2 });
  const outcome = await readFile(
    join(dir, 'ledger', 'runs', String(started?.body.run_id), 'outcome.yaml'),
    'utf8',
  );
  expect(outcome).toMatch(/^member: editor$/m);
  expect(outcome).toMatch(/^status: succeeded$/m);
  expect(outcome).toMatch(/^cost: "?0\.04"?$/m);
  // One settled spend per execution, each from its own reservation.
  const spends = entries
    .filter((entry) => entry.type === 'spend.recorded')
    .map((entry) => entry.body);
  expect(spends.map((spend) => spend.amount)).toEqual(['0.02', '0.02']);
  expect(new Set(spends.map((spend) => spend.reservation)).size).toBe(2);
  expect(spends[1]?.reservation).toBe(resumed?.reservationId);
  expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);
  await rm(dir, { recursive: true, force: true });
});

it('refuses a run the treasury cannot pay for: recorded, never started, its wake abandoned', async () => {
  const dir = await makeGroupDir();
  await writeFile(
    join(dir, 'treasury', 'balances.yaml'),
    'financial:\n  currency: USD\n  time_zone: UTC\n  budget_weekly: 0.50\n',
  );
  const { ledger, coordinator, queue } = await openGroup(dir, uniqueGroup('refuse'), '1.00');
  const outcomes: string[] = [];
  const worker = await startExecutorWorker({
    queue,
    onRun: (event) => outcomes.push(event.outcome),
    executor: () => ({
      async execute() {
        throw new Error('a refused run must never execute');
      },
    }),
  });
  try {
    await coordinator.queue.enqueue('editor', {
      kind: 'manual',
      detail: 'go',
      at: new Date().toISOString(),
    });
    await eventually(async () => (outcomes.length > 0 ? true : undefined));
    expect(outcomes).toEqual(['refused']);
    expect(await coordinator.queue.snapshot()).toEqual([]);
  } finally {
    await worker.close();
    await coordinator.close();
    await ledger.close();
  }
  const entries = await entriesOf(dir);
  const refused = entries.find((entry) => entry.type === 'run.refused')?.body;
  expect(refused?.member).toBe('editor');
  expect(String(refused?.why)).toMatch(/1\.00|budget|0\.50/);
  expect(entries.some((entry) => entry.type === 'run.started')).toBe(false);
  await rm(dir, { recursive: true, force: true });
});

it('after a restart, counts only the steps the chain commits, not a line a killed coordinator left in steps.jsonl', async () => {
  const dir = await makeGroupDir();
  const group = uniqueGroup('uncommitted');
  const executor = () => ({
    async execute(ticket: { runId: string; resume?: unknown }) {
      await sessionOf.current!.appendStep({
        runId: ticket.runId,
        kind: 'model',
        model: 'mock',
        cost: '0.02',
      });
      if (!ticket.resume)
        return { status: 'parked' as const, cost: '0.02', steps: 1, waitingOn: 'apr_1' };
      return { status: 'succeeded' as const, cost: '0.02', steps: 2 };
    },
  });
  const sessionOf: { current?: { appendStep(step: Record<string, unknown>): Promise<unknown> } } =
    {};
  let opened = await openGroup(dir, group);
  let worker = await startExecutorWorker({
    queue: opened.queue,
    executor: (session) => {
      sessionOf.current = session;
      return executor();
    },
  });
  let runId = '';
  try {
    await opened.coordinator.queue.enqueue('editor', {
      kind: 'manual',
      detail: 'go',
      at: new Date().toISOString(),
    });
    const parked = await eventually(async () =>
      (await entriesOf(dir)).find((entry) => entry.type === 'run.parked'),
    );
    runId = String(parked.body.runId);
  } finally {
    await worker.close();
    await opened.coordinator.close();
    await opened.ledger.close();
  }
  // A coordinator killed between writing a step's line and the entry that commits it.
  const steps = join(dir, 'ledger', 'runs', runId, 'steps.jsonl');
  await writeFile(
    steps,
    `${await readFile(steps, 'utf8')}{"cost":"0.50","kind":"model","runId":"${runId}","step":1}\n`,
  );
  opened = await openGroup(dir, group);
  worker = await startExecutorWorker({
    queue: opened.queue,
    executor: (session) => {
      sessionOf.current = session;
      return executor();
    },
  });
  try {
    await opened.coordinator.queue.enqueue('editor', {
      kind: 'approval-answered',
      detail: 'owner approved',
      ref: 'apr_1',
      runId,
      at: new Date().toISOString(),
    });
    await eventually(async () =>
      (await entriesOf(dir)).find((entry) => entry.type === 'run.finished'),
    );
  } finally {
    await worker.close();
    await opened.coordinator.close();
    await opened.ledger.close();
  }
  const entries = await entriesOf(dir);
  expect(entries.find((entry) => entry.type === 'run.resumed')?.body.recordedSteps).toBe(1);
  expect(entries.find((entry) => entry.type === 'run.finished')?.body).toMatchObject({
    run_id: runId,
    steps: 2,
  });
  const spends = entries.filter((entry) => entry.type === 'spend.recorded');
  expect(spends.map((entry) => entry.body.amount)).toEqual(['0.02', '0.02']);
  // The uncommitted line was written over by the step that followed.
  expect(await readFile(steps, 'utf8')).not.toContain('0.50');
  expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);
  await rm(dir, { recursive: true, force: true });
});
