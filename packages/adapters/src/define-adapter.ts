import type { Message } from '@karnel/coordination';
import { type AuditLog, InvalidArgumentError, isId, type LedgerReader } from '@karnel/core';
import {
  type AdapterCheck,
  type AdapterCheckReport,
  type AdapterOutcome,
  type CostEstimate,
  checkReport,
  type ForeignAgentAdapter,
  type InvokeOptions,
  type OutcomeStatus,
} from './adapter';
import { ADAPTER_RECORD_TYPES, createAdapterRecorder } from './adapter-records';
import { AdapterError } from './errors';

/** What {@link AdapterDefinition.perform} is given for one invocation. */
export interface PerformContext {
  /** The Karnel run id: send it to the member as the idempotency key. */
  readonly runId: string;
  /** Aborted when the caller's signal fires or {@link ForeignAgentAdapter.cancel} is called. */
  readonly signal: AbortSignal;
  /** Records an `adapter.progress` entry (an event, a retry, a notification). */
  progress(event: string, detail?: Record<string, unknown>): Promise<void>;
}

/** What {@link AdapterDefinition.perform} answers: an outcome without its run id. */
export type PerformAnswer = Omit<AdapterOutcome, 'runId' | 'replayed'>;

/**
 * What an adapter implements; {@link defineAdapter} adds the parts every adapter shares (run id
 * checks, ledger records, replay by run id, task-class filtering, cancellation).
 */
export interface AdapterDefinition {
  /** The adapter type. */
  readonly type: string;
  /** The member's role. */
  readonly role: string;
  /** The task classes the member accepts; empty or absent means any. */
  readonly taskClasses?: readonly string[];
  /**
   * Where records go. When it can also be read back (a `LedgerPort`, such as
   * `@karnel/ledger`'s `Ledger`), an invocation whose run id already has an `adapter.outcome`
   * returns that outcome without asking the member again.
   */
  readonly ledger?: AuditLog | (AuditLog & LedgerReader);
  /** The checks of {@link ForeignAgentAdapter.check}. */
  check(): Promise<AdapterCheck[]>;
  /** Why the member does not take `message`, when it does not (beyond task classes). */
  refuse?(message: Message): string | undefined;
  /** Does the work. Throws {@link AdapterError} when it cannot be carried out. */
  perform(message: Message, context: PerformContext): Promise<PerformAnswer>;
  /** Tells the member to stop the work of `runId` (Hermes' stop endpoint …). */
  stop?(runId: string): Promise<void>;
  /** The estimate of {@link ForeignAgentAdapter.estimateCost}. */
  estimateCost(message: Message): Promise<CostEstimate>;
}

const OUTCOME_STATUSES: readonly OutcomeStatus[] = [
  'completed',
  'partial',
  'failed',
  'declined',
  'cancelled',
];

function isReader(ledger: unknown): ledger is LedgerReader {
  return typeof (ledger as Partial<LedgerReader> | undefined)?.entries === 'function';
}

async function findOutcome(
  ledger: LedgerReader,
  runId: string,
  role: string,
): Promise<(AdapterOutcome & { messageId?: string }) | undefined> {
  let messageId: string | undefined;
  for await (const entry of ledger.entries()) {
    const body = entry.body as Record<string, unknown>;
    if (body.run_id !== runId || body.role !== role) continue;
    if (entry.type === ADAPTER_RECORD_TYPES.invoked && typeof body.message_id === 'string')
      messageId ??= body.message_id;
    if (entry.type !== ADAPTER_RECORD_TYPES.outcome) continue;
    const status = OUTCOME_STATUSES.find((candidate) => candidate === body.status) ?? 'failed';
    return {
      runId,
      status,
      summary: typeof body.summary === 'string' ? body.summary : '',
      ...(body.outputs ? { outputs: body.outputs as Record<string, unknown> } : {}),
      ...(Array.isArray(body.artifacts) ? { artifacts: body.artifacts as string[] } : {}),
      ...(body.cost ? { cost: body.cost as AdapterOutcome['cost'] } : {}),
      ...(typeof body.foreign_run_id === 'string' ? { foreignRunId: body.foreign_run_id } : {}),
      replayed: true,
      ...(messageId ? { messageId } : {}),
    };
  }
  return undefined;
}

function taskClassOf(message: Message): string | undefined {
  return message.type === 'task' ? message.payload.task_class : undefined;
}

/**
 * Builds a {@link ForeignAgentAdapter} from an {@link AdapterDefinition}. Third-party adapters
 * use it too, so they write the same records and pass the conformance suite of
 * `@karnel/adapters/testing`.
 */
export function defineAdapter(definition: AdapterDefinition): ForeignAgentAdapter {
  const { type, role, ledger } = definition;
  const taskClasses = [...(definition.taskClasses ?? [])];
  const recorder = createAdapterRecorder({ ledger, role, adapter: type });
  const running = new Map<string, { controller: AbortController; done: Promise<AdapterOutcome> }>();

  async function settle(runId: string, answer: PerformAnswer): Promise<AdapterOutcome> {
    const outcome: AdapterOutcome = { runId, ...answer };
    await recorder.write(ADAPTER_RECORD_TYPES.outcome, runId, {
      status: outcome.status,
      summary: outcome.summary,
      ...(outcome.outputs ? { outputs: outcome.outputs } : {}),
      ...(outcome.artifacts ? { artifacts: outcome.artifacts } : {}),
      ...(outcome.cost ? { cost: outcome.cost } : {}),
      ...(outcome.foreignRunId ? { foreign_run_id: outcome.foreignRunId } : {}),
    });
    if (outcome.cost)
      await recorder.write(ADAPTER_RECORD_TYPES.cost, runId, { cost: outcome.cost });
    return outcome;
  }

  async function run(
    message: Message,
    runId: string,
    controller: AbortController,
  ): Promise<AdapterOutcome> {
    if (isReader(ledger)) {
      const earlier = await findOutcome(ledger, runId, role);
      if (earlier) {
        const { messageId, ...outcome } = earlier;
        if (messageId === undefined || messageId === message.id) return outcome;
        // The same key for another message: never the earlier answer, never new work.
        const conflict = `run ${runId} was already used for message ${messageId}`;
        await recorder.write(ADAPTER_RECORD_TYPES.error, runId, {
          code: 'adapter/conflict',
          message: conflict,
        });
        return { runId, status: 'failed', summary: conflict };
      }
    }
    await recorder.write(ADAPTER_RECORD_TYPES.invoked, runId, {
      message_id: message.id,
      message_type: message.type,
      ...(taskClassOf(message) ? { task_class: taskClassOf(message) } : {}),
    });
    const taskClass = taskClassOf(message);
    const refusal =
      taskClass !== undefined && taskClasses.length > 0 && !taskClasses.includes(taskClass)
        ? `task class "${taskClass}" is not one of ${taskClasses.join(', ')}`
        : definition.refuse?.(message);
    if (refusal) return settle(runId, { status: 'declined', summary: refusal });
    if (controller.signal.aborted)
      return settle(runId, { status: 'cancelled', summary: 'cancelled before it started' });
    try {
      const answer = await definition.perform(message, {
        runId,
        signal: controller.signal,
        progress: (event, detail = {}) =>
          recorder.write(ADAPTER_RECORD_TYPES.progress, runId, { event, ...detail }),
      });
      return settle(runId, answer);
    } catch (error) {
      if (controller.signal.aborted)
        return settle(runId, { status: 'cancelled', summary: 'cancelled while the member worked' });
      const adapterError = AdapterError.isInstance(error)
        ? error
        : new AdapterError({
            code: 'adapter/unreachable',
            message: error instanceof Error ? error.message : String(error),
            cause: error,
          });
      await recorder.write(ADAPTER_RECORD_TYPES.error, runId, {
        code: adapterError.code,
        message: adapterError.message,
      });
      return { runId, status: 'failed', summary: adapterError.message };
    }
  }

  return {
    specificationVersion: 'v1',
    type,
    role,
    taskClasses,
    async check(): Promise<AdapterCheckReport> {
      return checkReport(await definition.check());
    },
    invoke(message: Message, options: InvokeOptions): Promise<AdapterOutcome> {
      const { runId, signal } = options;
      if (!isId(runId, 'run'))
        throw new InvalidArgumentError({
          argument: 'runId',
          value: runId,
          message: `runId must be a Karnel run id (run_<ULID>), got ${JSON.stringify(runId)}`,
        });
      const current = running.get(runId);
      if (current) return current.done;
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal?.reason);
      if (signal?.aborted) controller.abort(signal.reason);
      else signal?.addEventListener('abort', onAbort, { once: true });
      const done = run(message, runId, controller).finally(() => {
        signal?.removeEventListener('abort', onAbort);
        running.delete(runId);
      });
      running.set(runId, { controller, done });
      return done;
    },
    async cancel(runId: string): Promise<boolean> {
      const current = running.get(runId);
      if (!current) return false;
      current.controller.abort(new Error(`run ${runId} cancelled`));
      await definition.stop?.(runId);
      await current.done.catch(() => undefined);
      return true;
    },
    estimateCost: (message) => definition.estimateCost(message),
  };
}
