import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger, readLedgerEntries } from '@karnel/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime, type RuntimeEvent } from './create-runtime';
import { readGroupLease } from './lease/group-lease';
import { requestWake } from './scheduler/request-wake';
import { generateGroup } from './testing/generate-group';
import { createScriptedExecutor } from './testing/scripted-executor';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const ledgerPackage = fileURLToPath(import.meta.resolve('@karnel/ledger'));

let dir: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-restart-'));
});

afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function types(): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of readLedgerEntries(join(dir, 'ledger'))) found.push(entry.type);
  return found;
}

describe('a runtime restarted after SIGKILL', () => {
  it('takes over the stale lease and rebuilds its queue from the ledger: the cut-short run resumes, the queued wake runs', async () => {
    await generateGroup(dir, { members: 2, cadence: 'on_demand' });
    const script = join(dir, 'runtime-child.mjs');
    await writeFile(
      script,
      `import { createRuntime, createScriptedExecutor } from ${JSON.stringify(dist)};
import { openLedger } from ${JSON.stringify(ledgerPackage)};
const dir = process.argv[2];
const ledger = await openLedger(dir + '/ledger');
const executor = createScriptedExecutor({ ledger, script: () => ({ durationMs: 600000 }) });
const runtime = createRuntime({ dir, executor, ledger, tickIntervalMs: 50, maxConcurrentRuns: 1 });
await runtime.start();
process.stdout.write('started\\n');
`,
    );
    await requestWake({ dir, member: 'agent_000', reason: 'first' });
    child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitFor('the first run to start', async () =>
      (await types()).includes('run.started') ? true : undefined,
    );
    // agent_000 is busy and the runtime runs one run at a time: this wake waits in its queue.
    await requestWake({ dir, member: 'agent_001', reason: 'second' });
    await sleep(300);
    const killed = child.pid!;
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    child = undefined;
    expect(await readGroupLease(dir)).toMatchObject({ pid: killed });

    const ledger = await openLedger(join(dir, 'ledger'));
    try {
      const executor = createScriptedExecutor({ ledger });
      const events: RuntimeEvent[] = [];
      const runtime = createRuntime({
        dir,
        executor,
        ledger,
        onEvent: (event) => events.push(event),
      });
      const due = await runtime.dryRun();
      expect(due.map((wake) => [wake.member, wake.reasons.map((reason) => reason.kind)])).toEqual([
        ['agent_000', ['interrupted']],
        ['agent_001', ['manual']],
      ]);
      const interruptedRun = due[0]?.reasons[0]?.runId;
      await runtime.runOnce();
      expect(events[0]).toMatchObject({
        type: 'lease-taken',
        tookOverFrom: { host: hostname(), pid: killed },
      });
      expect(
        executor.tickets.map((ticket) => [
          ticket.member,
          ticket.resume,
          ticket.runId === interruptedRun,
        ]),
      ).toEqual([
        ['agent_000', true, true],
        ['agent_001', false, false],
      ]);
      expect((await runtime.dryRun()).every((wake) => wake.reasons.length === 0)).toBe(true);
      expect((await ledger.verify()).ok).toBe(true);
    } finally {
      await ledger.close();
    }
  });

  it('a second runtime on the same group is refused while the first runs; a graceful stop releases the lease', async () => {
    await generateGroup(dir, { members: 1, cadence: 'on_demand' });
    const ledger = await openLedger(join(dir, 'ledger'));
    try {
      const first = createRuntime({ dir, executor: createScriptedExecutor({ ledger }), ledger });
      await first.start();
      const second = createRuntime({ dir, executor: createScriptedExecutor({ ledger }) });
      await expect(second.runOnce()).rejects.toThrow(
        /another runtime is running .* holds its lease/,
      );
      await first.stop();
      await first.stopped;
      expect(await readGroupLease(dir)).toBeUndefined();
      expect((await types()).slice(-1)).toEqual(['runtime.lease_released']);
    } finally {
      await ledger.close();
    }
  });
});

describe('a running runtime', () => {
  it('coalesces 100 wake reasons for a member that is running into one queued wake', async () => {
    await generateGroup(dir, { members: 1, cadence: 'on_demand' });
    const ledger = await openLedger(join(dir, 'ledger'));
    try {
      const executor = createScriptedExecutor({ ledger, script: () => ({ durationMs: 600_000 }) });
      const runtime = createRuntime({ dir, executor, ledger, tickIntervalMs: 20 });
      await runtime.start();
      await ledger.append({
        type: 'wake.requested',
        body: {
          member: 'agent_000',
          reason: { kind: 'manual', detail: 'start', at: new Date().toISOString() },
        },
      });
      await waitFor('the run to start', async () =>
        executor.tickets.length > 0 ? true : undefined,
      );
      for (let index = 0; index < 100; index++)
        await ledger.append({
          type: 'wake.requested',
          body: {
            member: 'agent_000',
            reason: { kind: 'manual', detail: `reason ${index}`, at: new Date().toISOString() },
          },
        });
      const state = await waitFor('the reasons to reach the queue', async () => {
        const [member] = (await runtime.status()).queue;
        return member?.queued?.reasons.length === 100 ? member : undefined;
      });
      expect(state.running?.runId).toBe(executor.tickets[0]?.runId);
      expect((await runtime.status()).queue).toHaveLength(1);
      expect(executor.tickets).toHaveLength(1);
      await runtime.stop();
      // Stopped mid-run: the run is left to resume, the 100 reasons are still in the ledger.
      const after = createRuntime({ dir, executor, ledger });
      const [due] = await after.dryRun();
      expect(due?.reasons.map((reason) => reason.kind).sort()).toEqual(
        ['interrupted', ...Array(100).fill('manual')].sort(),
      );
    } finally {
      await ledger.close();
    }
  });

  it('wakes the recipient of a message a run sent without waiting for the next interval tick', async () => {
    await generateGroup(dir, { members: 2, cadence: 'on_demand' });
    const ledger = await openLedger(join(dir, 'ledger'));
    try {
      const { createMessage } = await import('@karnel/coordination');
      const executor = createScriptedExecutor({
        ledger,
        script: async (ticket) => {
          if (ticket.member === 'agent_000')
            await ledger.appendCoordination(
              createMessage({
                type: 'info',
                from: 'agent_000',
                to: 'agent_001',
                payload: { text: 'your turn' },
              }) as unknown as Record<string, unknown>,
            );
          return {};
        },
      });
      // One tick an hour: only the tick after a run can wake agent_001 in this test's lifetime.
      const runtime = createRuntime({ dir, executor, ledger, tickIntervalMs: 3_600_000 });
      await requestWake({ dir, member: 'agent_000', reason: 'start' });
      await runtime.start();
      await waitFor('agent_001 to run', async () =>
        executor.tickets.some((ticket) => ticket.member === 'agent_001') ? true : undefined,
      );
      await runtime.stop();
      expect(executor.tickets.map((ticket) => [ticket.member, ticket.reasons[0]?.kind])).toEqual([
        ['agent_000', 'manual'],
        ['agent_001', 'message'],
      ]);
    } finally {
      await ledger.close();
    }
  });

  it('with 100 members and nothing due, starts no run at all (CPU time and RSS are printed, not asserted)', async () => {
    await generateGroup(dir, { members: 100, cadence: 'daily' });
    const ledger = await openLedger(join(dir, 'ledger'));
    try {
      const executor = createScriptedExecutor({ ledger });
      const runtime = createRuntime({ dir, executor, ledger, tickIntervalMs: 100 });
      await runtime.start();
      const before = process.cpuUsage();
      await sleep(2000);
      const used = process.cpuUsage(before);
      await runtime.stop();
      expect(executor.tickets).toEqual([]);
      expect((await types()).filter((type) => type.startsWith('run.'))).toEqual([]);
      console.info(
        `idle 100 members, 20 ticks in 2 s: ${((used.user + used.system) / 1000).toFixed(0)} ms CPU, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB (this test process)`,
      );
    } finally {
      await ledger.close();
    }
  });
});
