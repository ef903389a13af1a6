import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage, readArchivedMessages } from '@karnel/coordination';
import { createManualClock } from '@karnel/core';
import { type Ledger, openLedger } from '@karnel/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime, GroupInvalidError, type RuntimeEvent } from './create-runtime';
import { requestWake } from './scheduler/request-wake';
import { generateGroup } from './testing/generate-group';
import { createScriptedExecutor, type ScriptedOutcome } from './testing/scripted-executor';

let dir: string;
let ledgers: Ledger[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-runtime-'));
  ledgers = [];
});

afterEach(async () => {
  for (const ledger of ledgers) await ledger.close();
  await rm(dir, { recursive: true, force: true });
});

async function groupLedger(clock = createManualClock('2026-12-06T10:00:00Z')) {
  const ledger = await openLedger(join(dir, 'ledger'), { clock });
  ledgers.push(ledger);
  return ledger;
}

async function entriesOf(ledger: Ledger, type?: string) {
  const entries = [];
  for await (const entry of ledger.entries(type ? { type } : {})) entries.push(entry);
  return entries;
}

describe('createRuntime', () => {
  it('runs the members whose cadence is due, once, with the reasons, then finds nothing due', async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    await generateGroup(dir, { members: 3, joinedAt: new Date('2026-12-04T10:00:00Z') });
    const ledger = await groupLedger(clock);
    const executor = createScriptedExecutor({ ledger });
    const events: RuntimeEvent[] = [];
    const runtime = createRuntime({
      dir,
      executor,
      ledger,
      clock,
      onEvent: (event) => events.push(event),
    });

    const due = await runtime.dryRun();
    expect(due.map((wake) => [wake.member, wake.reasons.map((reason) => reason.kind)])).toEqual([
      ['agent_000', ['cadence']],
      ['agent_001', ['cadence']],
      ['agent_002', ['cadence']],
    ]);
    expect(due[0]?.reasons[0]?.detail).toBe('cadence daily, never run');
    expect(executor.tickets).toEqual([]);

    const report = await runtime.runOnce();
    // The three runs go out together: the report lists them as they finish, in no fixed order.
    const finished = report.runs.map((run) => [run.member, run.result.status]);
    expect(finished.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['agent_000', 'succeeded'],
      ['agent_001', 'succeeded'],
      ['agent_002', 'succeeded'],
    ]);
    expect(executor.tickets.every((ticket) => ticket.reasons[0]?.kind === 'cadence')).toBe(true);
    expect(events.filter((event) => event.type === 'wake')).toHaveLength(3);

    const after = await runtime.dryRun();
    expect(after.every((wake) => wake.reasons.length === 0)).toBe(true);
    expect(after[0]?.nextWakeAt?.toISOString()).toBe('2026-12-07T10:00:00.000Z');
    const types = (await entriesOf(ledger)).map((entry) => entry.type);
    expect(types[0]).toBe('runtime.lease_taken');
    expect(types.at(-1)).toBe('runtime.lease_released');
    expect(types.filter((type) => type === 'run.started')).toHaveLength(3);
    expect((await ledger.verify()).ok).toBe(true);
  });

  it("wakes a message's recipient with its id, never its sender, and a manual wake once", async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    await generateGroup(dir, { members: 3, cadence: 'on_demand' });
    const ledger = await groupLedger(clock);
    const message = createMessage({
      type: 'info',
      from: 'agent_000',
      to: ['agent_000', 'agent_001'],
      payload: { text: 'draft ready' },
      clock,
    });
    await ledger.appendCoordination(message as unknown as Record<string, unknown>);
    await requestWake({
      dir,
      member: 'agent_002',
      reason: 'look at the\u001b[31m numbers',
      clock,
    }).catch((error: Error) => expect(error.message).toContain('without control characters'));
    await requestWake({ dir, member: 'agent_002', reason: 'look at the numbers', clock });
    const executor = createScriptedExecutor({ ledger });
    const runtime = createRuntime({ dir, executor, ledger, clock });

    const due = await runtime.dryRun();
    expect(
      due.map((wake) => [wake.member, wake.reasons.map((reason) => [reason.kind, reason.ref])]),
    ).toEqual([
      ['agent_000', []],
      ['agent_001', [['message', message.id]]],
      ['agent_002', [['manual', expect.stringMatching(/^wake\.requested#\d+$/)]]],
    ]);
    await runtime.runOnce();
    expect(executor.tickets.map((ticket) => ticket.member)).toEqual(['agent_001', 'agent_002']);
    // A restarted runtime reads the same ledger: the message and the wake were seen.
    const again = createRuntime({ dir, executor, clock });
    expect((await again.dryRun()).every((wake) => wake.reasons.length === 0)).toBe(true);
  });

  it('refuses a member that is not in the group, and a group that does not validate', async () => {
    await generateGroup(dir, { members: 2 });
    await expect(requestWake({ dir, member: 'nobody', reason: 'x' })).rejects.toThrow(
      '"nobody" is not a member of this group; members: agent_000, agent_001',
    );
    await expect(requestWake({ dir, member: 'human_owner', reason: 'x' })).rejects.toThrow(
      'it is human',
    );
    await generateGroup(dir, { members: 2, cadence: 'fortnightly' });
    const runtime = createRuntime({
      dir,
      executor: { execute: () => Promise.reject(new Error('never')) },
    });
    const error = await runtime.runOnce().catch((caught: unknown) => caught);
    expect(GroupInvalidError.isInstance(error)).toBe(true);
    expect((error as GroupInvalidError).diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
      'member/unknown-cadence',
      'member/unknown-cadence',
    ]);
  });

  it('does not start a run that cannot be paid for: run.refused, the executor is never called', async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    await generateGroup(dir, {
      members: 1,
      joinedAt: new Date('2026-12-01T00:00:00Z'),
      maxCostPerRun: '5.00',
      budgetWeekly: '1.00',
    });
    const ledger = await groupLedger(clock);
    const executor = createScriptedExecutor({ ledger });
    const runtime = createRuntime({ dir, executor, clock });
    const report = await runtime.runOnce();
    expect(executor.tickets).toEqual([]);
    expect(report.refused).toEqual([
      { member: 'agent_000', why: expect.stringContaining('budget') },
    ]);
    const [refusal] = await entriesOf(ledger, 'run.refused');
    expect(refusal?.body).toMatchObject({ member: 'agent_000', amount: '5' });
    // The refusal counts as the attempt: the cadence is not due again until tomorrow.
    expect((await runtime.dryRun())[0]?.reasons).toEqual([]);
    expect((await runtime.status()).budget?.periods[0]).toMatchObject({
      spent: '0.00',
      remaining: '1.00',
    });
  });

  it('reserves max_cost_per_run before dispatch and passes the reservation in the ticket', async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    await generateGroup(dir, {
      members: 1,
      joinedAt: new Date('2026-12-01T00:00:00Z'),
      maxCostPerRun: '0.50',
      budgetWeekly: '10.00',
    });
    const ledger = await groupLedger(clock);
    const executor = createScriptedExecutor({ ledger });
    await createRuntime({ dir, executor, clock }).runOnce();
    const ticket = executor.tickets[0] as { reservationId?: string } | undefined;
    expect(ticket?.reservationId).toMatch(/^rsv_/);
    const [opened] = await entriesOf(ledger, 'reservation.opened');
    expect(opened?.body).toMatchObject({ id: ticket?.reservationId });
  });

  it('pauses a member after 3 failed runs in a row and escalates to the owner (circuit breaker)', async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    await generateGroup(dir, { members: 2, cadence: 'on_demand' });
    const ledger = await groupLedger(clock);
    const executor = createScriptedExecutor({
      ledger,
      script: (ticket): ScriptedOutcome =>
        ticket.member === 'agent_000' ? { status: 'failed', error: 'tool crashed' } : {},
    });
    const runtime = createRuntime({ dir, executor, ledger, clock });
    for (let attempt = 0; attempt < 4; attempt++) {
      await requestWake({ dir, member: 'agent_000', reason: `try ${attempt}`, clock });
      await runtime.runOnce();
    }
    expect(executor.tickets.filter((ticket) => ticket.member === 'agent_000')).toHaveLength(3);
    const [paused] = await entriesOf(ledger, 'member.paused');
    expect(paused?.body).toEqual({
      member: 'agent_000',
      why: '3 runs failed in a row (circuit breaker)',
      consecutiveFailures: 3,
    });
    const escalations = (await readArchivedMessages(join(dir, 'ledger'))).filter(
      (message) => message.type === 'escalation',
    );
    expect(escalations).toEqual([
      expect.objectContaining({
        from: 'agent_000',
        to: 'human_owner',
        payload: expect.objectContaining({ condition: 'circuit_breaker' }),
      }),
    ]);
    const status = await runtime.status();
    expect(status.members.find((member) => member.member === 'agent_000')).toMatchObject({
      paused: true,
      consecutiveFailures: 3,
    });
    // The owner's escalation is addressed to the human: it wakes no agent.
    expect(status.members.find((member) => member.member === 'agent_001')?.due).toEqual([]);
  });

  it('resumes a parked run when its approval is answered, with the same run id', async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    await generateGroup(dir, { members: 1, cadence: 'on_demand' });
    const ledger = await groupLedger(clock);
    const executor = createScriptedExecutor({
      ledger,
      script: (ticket) =>
        ticket.resume ? {} : { status: 'parked', waitingOn: 'apr_01KQPMFM80CKMS9ESEA4N62D4F' },
    });
    const runtime = createRuntime({ dir, executor, ledger, clock });
    await requestWake({ dir, member: 'agent_000', reason: 'spend', clock });
    await runtime.runOnce();
    expect((await runtime.status()).parked.map((run) => run.waitingOn)).toEqual([
      'apr_01KQPMFM80CKMS9ESEA4N62D4F',
    ]);
    expect((await runtime.dryRun())[0]?.reasons).toEqual([]);
    await ledger.append({
      type: 'approval.approved',
      body: { approval_id: 'apr_01KQPMFM80CKMS9ESEA4N62D4F' },
    });
    const [due] = await runtime.dryRun();
    expect(due?.reasons.map((reason) => [reason.kind, reason.runId])).toEqual([
      ['approval-answered', executor.tickets[0]?.runId],
    ]);
    await runtime.runOnce();
    expect(executor.tickets[1]).toMatchObject({ runId: executor.tickets[0]?.runId, resume: true });
    expect((await runtime.status()).parked).toEqual([]);
  });
});

describe('safe mode', () => {
  it('starts no new run while the group is in safe mode, and resumes runs it parked once lifted', async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    await generateGroup(dir, { members: 1, cadence: 'on_demand' });
    const ledger = await groupLedger(clock);
    const executor = createScriptedExecutor({
      ledger,
      script: async (ticket): Promise<ScriptedOutcome> => {
        if (ticket.resume) return {};
        // The owner turns safe mode on while the run works: it parks at its next tool call.
        await ledger.append({ type: 'safe_mode.entered', body: { trigger: 'manual' } });
        return { status: 'parked', waitingOn: 'safe-mode' };
      },
    });
    const runtime = createRuntime({ dir, executor, ledger, clock });
    await requestWake({ dir, member: 'agent_000', reason: 'go', clock });
    await runtime.runOnce();
    await requestWake({ dir, member: 'agent_000', reason: 'again', clock });
    await runtime.runOnce();
    expect(executor.tickets).toHaveLength(1);
    expect((await runtime.status()).safeMode).toBe(true);
    await ledger.append({ type: 'safe_mode.exited', body: {} });
    const [due] = await runtime.dryRun();
    expect(due?.reasons.map((reason) => reason.kind).sort()).toEqual(['interrupted', 'manual']);
    await runtime.runOnce();
    expect(executor.tickets[1]).toMatchObject({ resume: true, runId: executor.tickets[0]?.runId });
  });
});

describe('goals', () => {
  it("wakes a goal's owner when its deadline has passed, at most once a day", async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    await generateGroup(dir, { members: 2, cadence: 'on_demand' });
    const { mkdir, readFile, writeFile } = await import('node:fs/promises');
    const manifest = join(dir, 'manifest.yaml');
    await writeFile(
      manifest,
      (await readFile(manifest, 'utf8')).replace(
        'components:\n',
        'components:\n  goals: "./goals"\n',
      ),
    );
    await mkdir(join(dir, 'goals'));
    await writeFile(
      join(dir, 'goals', 'current.yaml'),
      `mission: "Test the scheduler."
active_goals:
  - id: "g_launch"
    statement: "Launch the beta"
    deadline: "2026-12-01"
    owner_role: "agent_001"
`,
    );
    const ledger = await groupLedger(clock);
    const executor = createScriptedExecutor({ ledger });
    const runtime = createRuntime({ dir, executor, ledger, clock });
    const due = await runtime.dryRun();
    expect(due.map((wake) => [wake.member, wake.reasons.map((reason) => reason.ref)])).toEqual([
      ['agent_000', []],
      ['agent_001', ['goal:g_launch']],
    ]);
    expect(due[1]?.reasons[0]?.kind).toBe('goal-review');
    await runtime.runOnce();
    expect(executor.tickets.map((ticket) => ticket.member)).toEqual(['agent_001']);
    clock.advance(23 * 3_600_000);
    expect((await runtime.dryRun())[1]?.reasons).toEqual([]);
    clock.advance(2 * 3_600_000);
    expect((await runtime.dryRun())[1]?.reasons.map((reason) => reason.kind)).toEqual([
      'goal-review',
    ]);
  });
});

describe('the group lifecycle', () => {
  it('wakes no one while the owner has paused the group, and runs again once resumed', async () => {
    const { createSigner, generateKeyPair } = await import('@karnel/core');
    const { changeGroupLifecycle } = await import('./lifecycle/group-lifecycle');
    const owner = createSigner(generateKeyPair().secretKey);
    await generateGroup(dir, { members: 1, cadence: 'on_demand', owner: owner.did });
    await requestWake({ dir, member: 'agent_000', reason: 'go' });
    await changeGroupLifecycle(dir, 'pause', { signer: owner, reason: 'holiday' });
    const ledger = await groupLedger();
    const executor = createScriptedExecutor({ ledger });
    const runtime = createRuntime({ dir, executor, ledger });
    const [held] = await runtime.dryRun();
    expect(held).toMatchObject({ heldBy: 'group paused', reasons: [{ kind: 'manual' }] });
    await runtime.runOnce();
    expect(executor.tickets).toEqual([]);
    expect((await runtime.status()).lifecycle).toBe('paused');
    await changeGroupLifecycle(dir, 'resume', { signer: owner });
    await runtime.runOnce();
    expect(executor.tickets.map((ticket) => ticket.member)).toEqual(['agent_000']);
  });
});

describe('the run limit', () => {
  it('holds the wakes of a member that started the most runs allowed in the last hour, until the hour has passed', async () => {
    const clock = createManualClock('2026-12-06T10:00:00Z');
    await generateGroup(dir, { members: 2, cadence: 'on_demand' });
    const ledger = await groupLedger(clock);
    const executor = createScriptedExecutor({ ledger });
    const runtime = createRuntime({ dir, executor, ledger, clock, maxRunsPerMemberPerHour: 2 });
    for (let attempt = 0; attempt < 3; attempt++) {
      await requestWake({ dir, member: 'agent_000', reason: `try ${attempt}`, clock });
      await runtime.runOnce();
      clock.advance(60_000);
    }
    expect(executor.tickets).toHaveLength(2);
    const [held] = await runtime.dryRun();
    expect(held).toMatchObject({
      heldBy: '2 runs in the last hour, the most allowed',
      reasons: [{ kind: 'manual', detail: 'try 2' }],
    });
    clock.advance(3_600_000);
    await runtime.runOnce();
    expect(executor.tickets.map((ticket) => ticket.reasons[0]?.detail)).toEqual([
      'try 0',
      'try 1',
      'try 2',
    ]);
  });
});

describe('a wake queued before the owner paused the group', () => {
  it('is not run when its turn comes, and runs once the group is resumed', async () => {
    const { createSigner, generateKeyPair } = await import('@karnel/core');
    const { changeGroupLifecycle } = await import('./lifecycle/group-lifecycle');
    const owner = createSigner(generateKeyPair().secretKey);
    await generateGroup(dir, { members: 2, cadence: 'on_demand', owner: owner.did });
    await requestWake({ dir, member: 'agent_000', reason: 'first' });
    await requestWake({ dir, member: 'agent_001', reason: 'second' });
    const ledger = await groupLedger();
    // The first run pauses the group while the second wake waits in the queue.
    const executor = createScriptedExecutor({
      ledger,
      script: async (ticket) => {
        if (ticket.member === 'agent_000')
          await changeGroupLifecycle(dir, 'pause', { signer: owner, reason: 'stop now' });
        return {};
      },
    });
    const events: RuntimeEvent[] = [];
    const runtime = createRuntime({
      dir,
      executor,
      ledger,
      maxConcurrentRuns: 1,
      onEvent: (event) => events.push(event),
    });
    await runtime.runOnce();
    expect(executor.tickets.map((ticket) => ticket.member)).toEqual(['agent_000']);
    expect(events).toContainEqual({
      type: 'wake-held',
      member: 'agent_001',
      why: 'the group is paused',
    });
    await changeGroupLifecycle(dir, 'resume', { signer: owner });
    await runtime.runOnce();
    expect(executor.tickets.map((ticket) => ticket.member)).toEqual(['agent_000', 'agent_001']);
  });
});
