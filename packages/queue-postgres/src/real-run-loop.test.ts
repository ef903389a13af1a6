import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCost } from '@karnel/core';
import { readLedgerEntries, verifyLedger } from '@karnel/ledger';
import { createFileMemory } from '@karnel/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  startTestPostgres,
  type TestPostgres,
  uniqueGroup,
} from '../test/postgres-server';
import { startChild } from '../test/processes';
import { createPostgresRunQueue } from './postgres-run-queue';

const EXAMPLE = fileURLToPath(new URL('../../../examples/newsletter-co', import.meta.url));
// Priced tiers, so every model call of the offline demo model has a cost.
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

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

interface Facts {
  started: string[];
  memberOf: Map<string, string>;
  finished: Map<string, { status: string; cost: string }>;
  parked: string[];
  parkedCosts: bigint[];
  steps: Map<string, number[]>;
  stepCosts: Map<string, bigint>;
  spends: { amount: string; run: string; reservation?: string }[];
  messages: { id: string; from: string; to: unknown; type: string; payload: unknown }[];
  approvals: string[];
}

function units(text: unknown): bigint {
  const parsed = parseCost(String(text ?? '0'));
  if (!parsed.ok) throw new Error(`not a cost: ${String(text)}`);
  return parsed.value;
}

async function facts(dir: string): Promise<Facts> {
  const found: Facts = {
    started: [],
    memberOf: new Map(),
    finished: new Map(),
    parked: [],
    parkedCosts: [],
    steps: new Map(),
    stepCosts: new Map(),
    spends: [],
    messages: [],
    approvals: [],
  };
  for await (const entry of readLedgerEntries(join(dir, 'ledger'))) {
    const body = entry.body as Record<string, unknown>;
    const runId = String(body.run_id ?? body.runId ?? '');
    if (entry.type === 'run.started') found.started.push(runId);
    else if (entry.type === 'run.finished') {
      // The outcome is `runs/<id>/outcome.yaml`, committed by the entry.
      const outcome = await readFile(join(dir, 'ledger', 'runs', runId, 'outcome.yaml'), 'utf8');
      const field = (name: string) =>
        new RegExp(`^${name}: "?([^"\\n]*)"?$`, 'm').exec(outcome)?.[1] ?? '';
      found.finished.set(runId, { status: field('status'), cost: field('cost') });
    } else if (entry.type === 'run.parked') {
      found.parked.push(runId);
      found.parkedCosts.push(units(body.cost));
    } else if (entry.type === 'run.step') {
      found.steps.set(runId, [...(found.steps.get(runId) ?? []), Number(body.index)]);
    } else if (entry.type === 'spend.recorded') {
      found.spends.push({
        amount: String(body.amount),
        run: String(body.run ?? ''),
        ...(body.reservation ? { reservation: String(body.reservation) } : {}),
      });
    } else if (entry.type === 'approval.requested') {
      found.approvals.push(String(body.approval_id));
    }
  }
  // The messages the coordination protocol archived (each committed by a `coordination.logged` entry).
  const log = await readFile(join(dir, 'ledger', 'coordination_log.jsonl'), 'utf8').catch(() => '');
  for (const line of log.split('\n')) {
    if (line.trim() !== '') found.messages.push(JSON.parse(line) as Facts['messages'][number]);
  }
  for (const runId of found.started) {
    const manifest = JSON.parse(
      await readFile(join(dir, 'ledger', 'runs', runId, 'manifest.json'), 'utf8'),
    ) as { member: string };
    found.memberOf.set(runId, manifest.member);
    const text = await readFile(join(dir, 'ledger', 'runs', runId, 'steps.jsonl'), 'utf8').catch(
      () => '',
    );
    const cost = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .reduce((sum, line) => sum + units((JSON.parse(line) as { cost?: string }).cost), 0n);
    found.stepCosts.set(runId, cost);
  }
  return found;
}

/**
 * Runs the newsletter's chain with one coordinator and two executor processes, the coordinator
 * SIGKILLed mid-run and started again when `killCoordinator`, and checks everything it wrote.
 */
async function runChain({ killCoordinator }: { killCoordinator: boolean }) {
  const root = await mkdtemp(join(tmpdir(), 'karnel-real-loop-'));
  const dir = join(root, 'newsletter-co');
  await cp(EXAMPLE, dir, { recursive: true });
  await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
  const group = uniqueGroup('real');
  const env = {
    KARNEL_QUEUE_URL: server.url,
    KARNEL_TEST_GROUP: group,
    ...(killCoordinator ? { KARNEL_TEST_MODEL_MS: '150' } : {}),
  };
  // The coordinator opens the group first (it anchors the owner in the ledger); executors
  // only ever read the directory.
  let coordinator = startChild('real-coordinator-process.mjs', [dir], env);
  await coordinator.waitFor((line) => line === 'ready');
  const executors = [0, 1].map(() => startChild('real-executor-process.mjs', [dir], env));
  const queue = await createPostgresRunQueue({ connectionString: server.url, group });
  const at = () => new Date().toISOString();
  try {
    await Promise.all(executors.map((child) => child.waitFor((line) => line === 'ready')));
    for (const member of ['researcher', 'strategist']) {
      const queued = await queue.enqueue(member, { kind: 'manual', detail: 'test', at: at() });
      expect(queued.status).toBe('queued');
    }
    if (killCoordinator) {
      // Killed while runs are sending steps and records, then started again: the executors
      // wait for its answers, and it applies what is unanswered, once.
      await eventually(
        async () => {
          const found = await facts(dir);
          return found.started.some(
            (runId) => !found.finished.has(runId) && (found.steps.get(runId)?.length ?? 0) >= 3,
          )
            ? true
            : undefined;
        },
        { timeoutMs: 120_000, everyMs: 20 },
      );
      await coordinator.kill();
      coordinator = startChild('real-coordinator-process.mjs', [dir], env);
      await coordinator.waitFor((line) => line === 'ready');
    }
    // Each message a run sends (applied by the coordinator) wakes the next member: the
    // researcher's brief the writer, the writer's draft the critic, the critic's review the
    // writer again, whose revision asks the owner to approve a spend over the gate and parks.
    const chain: [string, string, string][] = [
      ['researcher', 'writer', 'info'],
      ['writer', 'critic', 'result'],
      ['critic', 'writer', 'review'],
    ];
    for (const [from, to, type] of chain) {
      const message = await eventually(
        async () =>
          (await facts(dir)).messages.find(
            (sent) => sent.from === from && sent.to === to && sent.type === type,
          ),
        { timeoutMs: 240_000, everyMs: 500 },
      );
      await queue.enqueue(to, {
        kind: 'message',
        detail: `${type} from ${from}`,
        ref: message.id,
        from,
        at: at(),
      });
    }
    await eventually(
      async () => {
        const found = await facts(dir);
        return found.parked.length >= 1 && found.finished.size >= 4 ? true : undefined;
      },
      { timeoutMs: 240_000, everyMs: 500 },
    );
  } finally {
    await queue.close();
    await Promise.all(executors.map((child) => child.stop()));
    await coordinator.stop();
  }

  const report = await verifyLedger(join(dir, 'ledger'));
  expect(report.firstBad).toBeUndefined();
  expect(report.ok).toBe(true);
  const found = await facts(dir);
  // Each run once: started once, its steps once each and in order, finished or parked once.
  expect(found.started).toHaveLength(5);
  expect(new Set(found.started).size).toBe(5);
  expect(found.finished.size).toBe(4);
  expect(found.parked).toHaveLength(1);
  for (const runId of found.started) {
    const steps = found.steps.get(runId) ?? [];
    expect(steps.length).toBeGreaterThan(0);
    expect(steps).toEqual(steps.map((_, index) => index));
  }
  const executed = executors
    .flatMap((child) => child.lines)
    .filter((l) => l.includes(' executed '));
  expect(executed).toHaveLength(5);
  // Messages the runs sent are in the group's ledger: the researcher's brief, the critic's review.
  const briefs = found.messages.filter(
    (message) => message.from === 'researcher' && message.to === 'writer',
  );
  expect(briefs).toHaveLength(1);
  expect(JSON.stringify(briefs[0]?.payload)).toContain('[offline demo model]');
  // Episodes the runs wrote are in the members' memory: `remember` and the closing episode.
  const researcherRun = found.started.find((runId) => found.memberOf.get(runId) === 'researcher');
  expect(found.finished.get(researcherRun ?? '')?.status).toBe('succeeded');
  const memory = createFileMemory({ dir: join(dir, 'agents', 'researcher', 'memory') });
  const episodes = await memory.readEpisodes({});
  await memory.close();
  expect(episodes.some((episode) => episode.kind === 'finding')).toBe(true);
  expect(
    episodes.some(
      (episode) => episode.kind === 'run.completed' && episode.data?.runId === researcherRun,
    ),
  ).toBe(true);
  // The writer's spend over the gate is a pending approval request in the signed queue.
  expect(found.approvals).toHaveLength(1);
  // The treasury: one settlement per finished or parked run, each the exact cost of the
  // run's recorded steps rounded up to the cent (the one rounding rule), nothing else spent;
  // and what the treasury spent is what the runs cost.
  const CENT = 10_000_000_000n;
  const charged = (cost: bigint) => ((cost + CENT - 1n) / CENT) * CENT;
  expect(found.spends).toHaveLength(5);
  const spent = found.spends.reduce((sum, spend) => sum + units(spend.amount), 0n);
  const runCosts =
    [...found.finished.values()].reduce((sum, outcome) => sum + units(outcome.cost), 0n) +
    found.parkedCosts.reduce((sum, cost) => sum + cost, 0n);
  expect(spent).toBeGreaterThan(0n);
  expect(spent).toBe(runCosts);
  for (const [runId, outcome] of found.finished) {
    expect(units(outcome.cost)).toBe(charged(found.stepCosts.get(runId) ?? 0n));
  }
  const parkedRun = found.parked[0] ?? '';
  expect(found.parkedCosts[0]).toBe(charged(found.stepCosts.get(parkedRun) ?? 0n));
  await rm(root, { recursive: true, force: true });
}

describe('the real run loop on executors', () => {
  it('runs a group with one coordinator and two executor processes: the coordinator writes everything, the ledger verifies, each run once, the treasury adds up', async () => {
    await runChain({ killCoordinator: false });
  }, 600_000);

  it('loses and duplicates nothing when the coordinator is killed mid-run and started again', async () => {
    await runChain({ killCoordinator: true });
  }, 600_000);

  it('resumes a run whose executor was killed mid-run on another executor: each step, message, episode and charge once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-real-kill-'));
    const dir = join(root, 'newsletter-co');
    await cp(EXAMPLE, dir, { recursive: true });
    await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
    const group = uniqueGroup('real-kill');
    const env = { KARNEL_QUEUE_URL: server.url, KARNEL_TEST_GROUP: group };
    const coordinator = startChild('real-coordinator-process.mjs', [dir], env);
    await coordinator.waitFor((line) => line === 'ready');
    // Slow model calls: the first executor is killed once two steps are in the ledger.
    const first = startChild('real-executor-process.mjs', [dir], {
      ...env,
      KARNEL_TEST_MODEL_MS: '400',
    });
    await first.waitFor((line) => line === 'ready');
    const queue = await createPostgresRunQueue({ connectionString: server.url, group });
    let second: ReturnType<typeof startChild> | undefined;
    let runId = '';
    try {
      await queue.enqueue('researcher', {
        kind: 'manual',
        detail: 'test',
        at: new Date().toISOString(),
      });
      runId = await eventually(
        async () => {
          const found = await facts(dir);
          const started = found.started[0];
          return started !== undefined && (found.steps.get(started)?.length ?? 0) >= 2
            ? started
            : undefined;
        },
        { timeoutMs: 120_000, everyMs: 50 },
      );
      await first.kill();
      second = startChild('real-executor-process.mjs', [dir], env);
      await second.waitFor((line) => line.startsWith(`run ${runId} `), { timeoutMs: 180_000 });
    } finally {
      await queue.close();
      await second?.stop();
      await coordinator.stop();
    }
    expect(second?.lines.find((line) => line.startsWith(`run ${runId} `))).toMatch(
      / 1 executed succeeded /,
    );
    expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);
    const found = await facts(dir);
    expect(found.started).toEqual([runId]);
    expect([...found.finished.keys()]).toEqual([runId]);
    const steps = found.steps.get(runId) ?? [];
    expect(steps).toEqual(steps.map((_, index) => index));
    expect(steps.length).toBeGreaterThanOrEqual(9);
    // The brief was sent once, the finding remembered once, the run charged once.
    const briefs = found.messages.filter((message) => message.from === 'researcher');
    expect(briefs).toHaveLength(1);
    const memory = createFileMemory({ dir: join(dir, 'agents', 'researcher', 'memory') });
    const episodes = await memory.readEpisodes({});
    await memory.close();
    expect(episodes.filter((episode) => episode.kind === 'finding')).toHaveLength(1);
    expect(
      episodes.filter(
        (episode) => episode.kind === 'run.completed' && episode.data?.runId === runId,
      ),
    ).toHaveLength(1);
    expect(found.spends).toHaveLength(1);
    const CENT = 10_000_000_000n;
    const stepCost = found.stepCosts.get(runId) ?? 0n;
    expect(units(found.spends[0]?.amount)).toBe(((stepCost + CENT - 1n) / CENT) * CENT);
    expect(units(found.finished.get(runId)?.cost)).toBe(units(found.spends[0]?.amount));
    await rm(root, { recursive: true, force: true });
  }, 600_000);
});
