import { AsyncLocalStorage } from 'node:async_hooks';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Ledger, type LedgerEntry, readLedgerEntries, verifyLedger } from '@karnel/ledger';
import {
  createRunExecutor,
  loadGroupSnapshot,
  openRuntimeParts,
  type RunExecutor,
  type RunExecutorOptions,
  type RuntimeParts,
  type RuntimePartsOverrides,
} from '@karnel/runtime';
import type { RemoteRunSession } from './remote-run-session';

/** The parts an executor reads from its copy of the group; every write goes to the coordinator. */
export type ExecutorPartsOverrides = Omit<
  RuntimePartsOverrides,
  'ledger' | 'treasury' | 'approvals' | 'coordinator' | 'memory' | 'signer'
>;

/** The real run loop of an executor process, over a read-only view of the group directory. */
export interface ExecutorRuntime {
  /**
   * The runtime parts the run loop uses: read from the group directory, writing only through
   * the current run's {@link RemoteRunSession}.
   */
  readonly parts: RuntimeParts;
  /** The run executor of one run, for {@link startExecutorWorker}'s `executor` option. */
  executor(session: RemoteRunSession): RunExecutor;
  /** Closes what the parts opened (memory stores …). */
  close(): Promise<void>;
}

/** Whether `runs/<runId>/steps.jsonl` of the ledger holds `steps` lines, waiting up to `waitMs`. */
async function caughtUp(
  ledgerDir: string,
  runId: string,
  steps: number,
  waitMs: number,
): Promise<boolean> {
  if (steps === 0) return true;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const text = await readFile(join(ledgerDir, 'runs', runId, 'steps.jsonl'), 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      },
    );
    if (text.split('\n').filter((line) => line.trim() !== '').length >= steps) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Run records the coordinator writes itself, from the run's `start` and `finish` messages. */
const LIFECYCLE = new Set(['run.resumed', 'run.parked']);

/** An object whose listed methods are replaced and whose other members are the original's. */
function redirect<T extends object>(target: T, replaced: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (Object.hasOwn(replaced, property)) return replaced[property as keyof T];
      const value = Reflect.get(object, property, receiver);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

function readOnly(what: string): () => Promise<never> {
  return () =>
    Promise.reject(
      new Error(`${what}: an executor does not write the group directory; the coordinator does`),
    );
}

/**
 * Opens the real run loop (`createRunExecutor` of `@karnel/runtime`) for an executor process.
 * The executor reads the group directory — a read-only mount of the coordinator's, or a copy
 * kept in sync with it — and never writes it: the run's steps, messages, memory episodes,
 * approval requests and spends go to the coordinator as records, which applies them in order
 * as the directory's only writer, and the run's lifecycle and settlement are the coordinator's
 * (`run.started` and the reservation before the run is handed out, `run.parked` or
 * `run.finished` and the settlement at the exact cost of the recorded steps when it ends).
 *
 * Models, tiers, workers and policy are opened as `openRuntimeParts` opens them (pass
 * `languageModels` for the offline demo or a mock model).
 *
 * @example
 * ```ts
 * const runtime = await openExecutorRuntime('/mnt/groups/newsletter-co');
 * const worker = await startExecutorWorker({
 *   queue: { group: 'newsletter-co' },
 *   executor: runtime.executor,
 * });
 * ```
 */
export async function openExecutorRuntime(
  dir: string,
  overrides: ExecutorPartsOverrides = {},
  options: RunExecutorOptions & {
    /** How long a resumed run waits for a lagging copy of the group to show its recorded steps. Default 60 000 ms. */
    readonly catchUpMs?: number;
  } = {},
): Promise<ExecutorRuntime> {
  const { catchUpMs = 60_000, ...loopOptions } = options;
  const runs = new AsyncLocalStorage<{ session: RemoteRunSession; next: number }>();
  const current = (what: string) => {
    const run = runs.getStore();
    if (run === undefined)
      throw new Error(
        `${what} outside a run: an executor never writes the group directory (start the group's coordinator first: it opens the group and anchors its owner in the ledger)`,
      );
    return run;
  };
  const snapshot = await loadGroupSnapshot(dir);
  const ledgerDir = snapshot.ledgerDir;
  const placeholder = () => Promise.resolve({} as LedgerEntry);

  const view: Ledger = {
    specificationVersion: 'v1',
    dir: ledgerDir,
    recovered: [],
    entries: (entriesOptions) => readLedgerEntries(ledgerDir, entriesOptions),
    verify: (verifyOptions) => verifyLedger(ledgerDir, verifyOptions),
    async append(record) {
      // The coordinator records a resumed run when it hands it out again, and a parked one
      // when the executor reports it parked.
      if (LIFECYCLE.has(record.type)) return {} as LedgerEntry;
      const entry = await current('ledger.append').session.apply({
        op: 'ledger.append',
        record: { type: record.type, body: record.body },
      });
      return entry as unknown as LedgerEntry;
    },
    // Only the coordinator writes the ledger, so nothing here is ever written unsynced.
    appendUnsynced(record, appendOptions) {
      return view.append(record, appendOptions);
    },
    sync: () => Promise.resolve(),
    withWriteLock: (task) => task(),
    // `run.started` was recorded by the coordinator before the run was handed out.
    startRun: () => Promise.resolve({} as Awaited<ReturnType<Ledger['startRun']>>),
    // Async, so a refusal is a rejection; it runs synchronously up to `appendStep`, so steps
    // are numbered in the order the run records them.
    async appendStep(runId, step) {
      const run = current('ledger.appendStep');
      const expected = run.next;
      if (runId !== run.session.ticket.runId || step.step !== expected)
        throw new Error(
          `step ${String(step.step)} of run ${runId} is not the next one (${expected}) of run ${run.session.ticket.runId}: this executor's copy of the group directory is behind the coordinator's`,
        );
      run.next += 1;
      await run.session.appendStep(step);
      return {} as LedgerEntry;
    },
    async finishRun(_runId, outcome) {
      current('ledger.finishRun').session.noteOutcome(outcome);
      return placeholder();
    },
    recordDecision: readOnly('ledger.recordDecision'),
    recordOutcome: readOnly('ledger.recordOutcome'),
    appendCoordination: readOnly('ledger.appendCoordination'),
    checkpoint: readOnly('ledger.checkpoint'),
    proveInclusion: readOnly('ledger.proveInclusion'),
    proveConsistency: readOnly('ledger.proveConsistency'),
    snapshot: readOnly('ledger.snapshot'),
    archive: readOnly('ledger.archive'),
    close: () => Promise.resolve(),
  };

  const base = await openRuntimeParts(dir, { ...overrides, ledger: view });
  const apply = async (what: string, record: Parameters<RemoteRunSession['apply']>[0]) =>
    current(what).session.apply(record);

  const treasury = redirect(base.treasury, {
    reserve: readOnly('treasury.reserve'),
    // The coordinator settles the run's reservation at the cost of its recorded steps.
    commit: () => Promise.resolve({}),
    release: () => Promise.resolve(),
    async recordSpend(spend: Parameters<RuntimeParts['treasury']['recordSpend']>[0]) {
      const { at: _at, ...rest } = spend;
      return apply('treasury.recordSpend', { op: 'spend', spend: rest });
    },
    recordRevenue: readOnly('treasury.recordRevenue'),
    writeSnapshot: readOnly('treasury.writeSnapshot'),
  });

  const approvals = redirect(base.approvals, {
    request(request: Parameters<RuntimeParts['approvals']['request']>[0]) {
      const { requester: _requester, ...rest } = request;
      return apply('approvals.request', { op: 'approval.request', request: rest });
    },
    use(id: string, action: unknown, expected: Parameters<RuntimeParts['approvals']['use']>[2]) {
      return apply('approvals.use', {
        op: 'approval.use',
        id,
        action,
        expected: {
          capability: expected.capability,
          ...(expected.actor !== undefined ? { actor: expected.actor } : {}),
        },
      });
    },
    decide: readOnly('approvals.decide'),
    revoke: readOnly('approvals.revoke'),
    cancelPending: readOnly('approvals.cancelPending'),
    expireOverdue: readOnly('approvals.expireOverdue'),
  });

  const coordinator = redirect(base.coordinator, {
    send(message: Parameters<RuntimeParts['coordinator']['send']>[0]) {
      return apply('coordinator.send', { op: 'message', message });
    },
  });

  const stores = new Map<string, ReturnType<RuntimeParts['memoryOf']>>();
  const memoryOf = (role?: string) => {
    const key = role ?? '';
    let store = stores.get(key);
    if (store === undefined) {
      store = redirect(base.memoryOf(role), {
        appendEpisode(
          episode: Parameters<ReturnType<RuntimeParts['memoryOf']>['appendEpisode']>[0],
        ) {
          return apply('memory.appendEpisode', {
            op: 'episode',
            ...(role !== undefined ? { role } : {}),
            episode,
          });
        },
        appendEpisodes: readOnly('memory.appendEpisodes'),
        upsertSemantic: readOnly('memory.upsertSemantic'),
        updateStrategic: readOnly('memory.updateStrategic'),
        importStrategicHistory: readOnly('memory.importStrategicHistory'),
      });
      stores.set(key, store);
    }
    return store;
  };

  // The goals file is written in place by `update_goal`; an executor never writes the group,
  // so the call is denied here, before policy could allow it (the denial is a recorded step).
  const policy = redirect(base.policy, {
    decide(request: Parameters<RuntimeParts['policy']['decide']>[0]) {
      if (request.capability.startsWith('goal.update'))
        return {
          effect: 'deny',
          reason:
            "goals are updated by the group's coordinator, not on an executor (the goals file is written in place)",
          capability: request.capability,
        };
      return base.policy.decide(request);
    },
  });

  const parts: RuntimeParts = {
    ...base,
    policy,
    ledger: view,
    treasury,
    approvals,
    coordinator,
    memoryOf,
  };
  const loop = createRunExecutor(parts, loopOptions);
  return {
    parts,
    executor(session) {
      return {
        async execute(ticket, executeOptions) {
          // A resumed run replays its recorded steps from this machine's view of the ledger:
          // a synced copy that lags is waited for, never run past (that would redo a step).
          if (!(await caughtUp(ledgerDir, ticket.runId, session.recordedSteps, catchUpMs)))
            return {
              status: 'failed',
              cost: '0',
              steps: session.recordedSteps,
              error: `this executor's copy of the group directory is behind the coordinator's: run ${ticket.runId} has ${session.recordedSteps} recorded steps there are not all in ${ledgerDir} after ${catchUpMs / 1000} s`,
            };
          return runs.run({ session, next: session.recordedSteps }, () =>
            loop.execute(ticket, executeOptions),
          );
        },
      };
    },
    close: () => base.close(),
  };
}
