import { createMessage, type Message } from '@karnel/coordination';
import { amountPattern, COST_DECIMALS, createId, InvalidArgumentError } from '@karnel/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { ForeignAgentAdapter } from '../adapter';
import { createMemoryLedger, type MemoryLedger } from './memory-ledger';

/** A member and its adapter, set up fresh for one conformance test. */
export interface ConformanceHarness {
  /** The adapter under test, writing to the ledger it was given. */
  readonly adapter: ForeignAgentAdapter;
  /** How many times the member has really done the work of `runId` (server side, on disk …). */
  workDone(runId: string): Promise<number>;
  /**
   * Called alongside each `invoke`, for members that answer from outside (a person replying
   * through the inbox). Resolves once the member has answered.
   */
  answer?(runId: string, message: Message): Promise<void>;
  /** Releases what the harness started (servers, folders). */
  close?(): Promise<void>;
}

/** Options of {@link runAdapterConformance}. */
export interface AdapterConformanceOptions {
  /** The name shown in the test report. */
  readonly name: string;
  /**
   * Creates a healthy member and its adapter. The adapter must write to `ledger` and accept
   * exactly the task class `taskClass`.
   */
  setup(context: { ledger: MemoryLedger; taskClass: string }): Promise<ConformanceHarness>;
}

const TASK_CLASS = 'conformance_probe';

function task(adapter: ForeignAgentAdapter, taskClass = TASK_CLASS): Message {
  return createMessage({
    type: 'task',
    from: 'conformance_lead',
    to: adapter.role,
    payload: {
      title: 'Echo the word',
      task_class: taskClass,
      instructions: 'Answer with the word "conformance".',
      inputs: { word: 'conformance' },
    },
  });
}

function recordsOf(ledger: MemoryLedger, type: string, runId: string) {
  return ledger.records.filter(
    (record) => record.type === type && (record.body as { run_id?: unknown }).run_id === runId,
  );
}

/**
 * Registers the Annex B conformance tests of a {@link ForeignAgentAdapter} with vitest: identity,
 * structured checks, one outcome and one piece of work per run id (also when invoked twice or
 * concurrently), declined task classes, cancellation, exact-money estimates and run id checks.
 * Call it at the top level of a `*.test.ts` file.
 */
export function runAdapterConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name} conforms to Annex B`, () => {
    let harness: ConformanceHarness | undefined;
    let ledger: MemoryLedger;

    async function start(): Promise<ConformanceHarness> {
      ledger = createMemoryLedger();
      harness = await options.setup({ ledger, taskClass: TASK_CLASS });
      return harness;
    }

    async function invoke(current: ConformanceHarness, message: Message, runId: string) {
      const [outcome] = await Promise.all([
        current.adapter.invoke(message, { runId }),
        current.answer?.(runId, message),
      ]);
      return outcome;
    }

    afterEach(async () => {
      await harness?.close?.();
      harness = undefined;
    });

    it('identifies itself as a v1 adapter', async () => {
      const { adapter } = await start();
      expect(adapter.specificationVersion).toBe('v1');
      expect(adapter.type).toMatch(/^[a-z][a-z0-9_-]*$/);
      expect(adapter.role.length).toBeGreaterThan(0);
      expect(adapter.taskClasses).toEqual([TASK_CLASS]);
    });

    it('reports structured checks, with a hint for each that did not pass', async () => {
      const { adapter } = await start();
      const report = await adapter.check();
      expect(report.status).not.toBe('fail');
      expect(report.checks.length).toBeGreaterThan(0);
      for (const check of report.checks) {
        expect(check.code).toMatch(/^[a-z]+\/[a-z-]+$/);
        expect(['pass', 'warn', 'fail']).toContain(check.level);
        expect(check.message.length).toBeGreaterThan(0);
        if (check.level !== 'pass') expect(check.hint?.length).toBeGreaterThan(0);
      }
    });

    it('answers a task with one outcome, recorded after an invoked record', async () => {
      const current = await start();
      const runId = createId('run');
      const outcome = await invoke(current, task(current.adapter), runId);
      expect(outcome.runId).toBe(runId);
      expect(outcome.status).toBe('completed');
      expect(outcome.replayed).toBeUndefined();
      const types = ledger.records
        .filter((record) => (record.body as { run_id?: unknown }).run_id === runId)
        .map((record) => record.type);
      expect(types[0]).toBe('adapter.invoked');
      expect(types.filter((type) => type === 'adapter.outcome')).toHaveLength(1);
      expect(types).not.toContain('adapter.error');
      expect(await current.workDone(runId)).toBe(1);
    });

    it('never does the work twice for one run id, in turn or at once', async () => {
      const current = await start();
      const message = task(current.adapter);
      const runId = createId('run');
      const first = await invoke(current, message, runId);
      const second = await current.adapter.invoke(message, { runId });
      expect(second).toMatchObject({
        runId,
        status: first.status,
        summary: first.summary,
        replayed: true,
      });
      const together = createId('run');
      const other = task(current.adapter);
      const [left, right] = await Promise.all([
        current.adapter.invoke(other, { runId: together }),
        current.adapter.invoke(other, { runId: together }),
        current.answer?.(together, other),
      ]);
      expect(left).toEqual(right);
      expect(await current.workDone(runId)).toBe(1);
      expect(await current.workDone(together)).toBe(1);
      expect(recordsOf(ledger, 'adapter.outcome', runId)).toHaveLength(1);
      expect(recordsOf(ledger, 'adapter.outcome', together)).toHaveLength(1);
    });

    it('refuses a run id already used for another message, without asking the member', async () => {
      const current = await start();
      const runId = createId('run');
      await invoke(current, task(current.adapter), runId);
      const reused = await current.adapter.invoke(task(current.adapter), { runId });
      expect(reused.status).toBe('failed');
      expect(reused.summary).toMatch(/^run run_\w+ was already used for message msg_\w+$/);
      expect(await current.workDone(runId)).toBe(1);
      expect(recordsOf(ledger, 'adapter.outcome', runId)).toHaveLength(1);
      expect(recordsOf(ledger, 'adapter.error', runId)).toHaveLength(1);
    });

    it('declines a task class it does not accept, without asking the member', async () => {
      const current = await start();
      const runId = createId('run');
      const outcome = await current.adapter.invoke(task(current.adapter, 'not_a_class_it_takes'), {
        runId,
      });
      expect(outcome.status).toBe('declined');
      expect(outcome.summary).toContain('not_a_class_it_takes');
      expect(await current.workDone(runId)).toBe(0);
      expect(recordsOf(ledger, 'adapter.outcome', runId)).toHaveLength(1);
    });

    it('does no work when the signal is already aborted, and cancels nothing unknown', async () => {
      const current = await start();
      const runId = createId('run');
      const outcome = await current.adapter.invoke(task(current.adapter), {
        runId,
        signal: AbortSignal.abort(),
      });
      expect(outcome.status).toBe('cancelled');
      expect(await current.workDone(runId)).toBe(0);
      expect(await current.adapter.cancel(createId('run'))).toBe(false);
    });

    it('estimates cost in exact money, or says it does not know', async () => {
      const { adapter } = await start();
      const estimate = await adapter.estimateCost(task(adapter));
      expect(['configured', 'message-budget', 'free', 'unknown']).toContain(estimate.basis);
      if (estimate.cost) {
        expect(estimate.cost.amount).toMatch(amountPattern(COST_DECIMALS));
        expect(estimate.cost.currency).toMatch(/^[A-Z][A-Z0-9]{2,9}$/);
      } else expect(estimate.basis).toBe('unknown');
    });

    it('refuses a run id that is not a Karnel run id', async () => {
      const { adapter } = await start();
      expect(() => adapter.invoke(task(adapter), { runId: 'not-a-run' })).toThrow(
        InvalidArgumentError,
      );
    });
  });
}
