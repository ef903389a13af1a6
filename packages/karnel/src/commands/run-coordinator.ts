import { join } from 'node:path';
import { readYamlFile } from '@karnel/core';
import type { RunExecutor } from '@karnel/runtime';
import { CommandError } from '../command-error';
import { ExitCode } from '../exit-codes';
import { loadQueuePostgres } from '../load-queue-postgres';
import { loadRuntime } from '../load-runtime';
import { type CliContext, printDiagnostics } from '../output';
import { maskPassword, resolveQueueUrl } from '../queue-connection';
import { eventLine, requireValidGroup, safe } from '../runtime-lines';

/** What `karnel run <dir> --queue …` was given. */
export interface CoordinatorRunOptions {
  /** The `--queue` value (`true` when given without one). */
  readonly queue: string | true;
  /** `--once`: enqueue what is due, wait until the executors have done it and what it caused. */
  readonly once: boolean;
  /** `--until`: when to stop. */
  readonly until?: Date;
  /** `--tick`, in milliseconds. */
  readonly tickIntervalMs: number;
}

/**
 * Opens the queue's database and the group, or fails with one line: a connection string that
 * is malformed or does not connect, a missing optional package, a group that does not open.
 */
export async function openQueueAndGroup(
  flag: string | true,
  dir: string,
  context: CliContext,
  label: string,
) {
  const { output } = context;
  const queueModule = await loadQueuePostgres();
  const url = await resolveQueueUrl(flag, output);
  const mask = (text: string) => safe(maskPassword(text, url));
  try {
    queueModule.resolveQueueSettings({ connectionString: url, group: 'check' });
    await queueModule.checkQueueConnection(url);
  } catch (error) {
    if (queueModule.QueueConfigError.isInstance(error))
      throw new CommandError(mask(`${label}: ${error.problems.join('; ')}`));
    throw error;
  }
  await requireValidGroup(dir, output);
  const runtimeModule = await loadRuntime();
  return {
    queueModule,
    runtimeModule,
    url,
    mask,
    // The group's queue is named after the group's id, the same for the coordinator and every
    // executor that reads the same directory.
    group: await queueGroupOf(dir),
  };
}

/** The group's id (`group.id` of its manifest), which names its queue. */
async function queueGroupOf(dir: string): Promise<string> {
  const manifest = await readYamlFile(join(dir, 'manifest.yaml'));
  const id = (manifest.value as { group?: { id?: unknown } } | undefined)?.group?.id;
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(id))
    throw new CommandError(
      `${safe(join(dir, 'manifest.yaml'))}: group.id must be set (letters, digits, "-" and "_") to name the group's queue`,
    );
  return id;
}

/** Turns a runtime part that cannot open into printed diagnostics and one line. */
function openFailure(
  error: unknown,
  context: CliContext,
  runtimeModule: Awaited<ReturnType<typeof loadRuntime>>,
): unknown {
  if (!runtimeModule.RuntimeOpenError.isInstance(error)) return error;
  printDiagnostics(context.output, error.diagnostics, 'text');
  return new CommandError(
    `${safe(error.dir)}: the ${safe(error.part)} part cannot be opened; the coordinator will not start`,
  );
}

/**
 * `karnel run <dir> --queue postgres://…`: this process is the group's coordinator. It holds
 * the group lease, ticks and enqueues what is due on the PostgreSQL queue, reserves each run's
 * cost before an executor may start it, and applies what the executors send (steps, messages,
 * episodes, approvals, spends) as the only writer of the group directory. It executes no run.
 */
export async function runCoordinator(
  dir: string,
  options: CoordinatorRunOptions,
  context: CliContext,
): Promise<void> {
  const { output } = context;
  const opened = await openQueueAndGroup(options.queue, dir, context, '--queue');
  const { queueModule, runtimeModule, url, mask, group } = opened;
  const { createRuntime, isLeaseLive, LeaseHeldError, openRuntimeParts, readGroupLease } =
    runtimeModule;
  const holder = await readGroupLease(dir);
  if (holder && isLeaseLive(holder, new Date()))
    throw new LeaseHeldError({ dir: safe(dir), holder });

  const parts = await openRuntimeParts(dir).catch((error: unknown) => {
    throw openFailure(error, context, runtimeModule);
  });
  const time = () => new Date().toISOString().slice(11, 19);
  let coordinator: Awaited<ReturnType<typeof queueModule.createCoordinator>>;
  try {
    const { unit } = await parts.treasury.config();
    coordinator = await queueModule.createCoordinator({
      queue: { connectionString: url, group },
      ledger: parts.ledger,
      ledgerDir: parts.ledger.dir,
      treasury: parts.treasury,
      // A member's contract caps its runs; one without a cap is reserved 1 unit of the currency.
      maxCostPerRun: (member) =>
        (parts.members.get(member)?.maxCostPerRun ?? 1).toFixed(unit.decimals),
      apply: queueModule.createRunRecordApplier(parts),
      onError: (error) =>
        output.err(mask(`${time()} error    ${error instanceof Error ? error.message : error}`)),
      onEvent: (event) => {
        const detail =
          event.type === 'finished'
            ? `${event.status} (cost ${event.cost})`
            : event.type === 'parked'
              ? `parked (cost ${event.cost})`
              : event.type === 'refused'
                ? `refused: ${event.why}`
                : event.type;
        output.out(safe(`${time()} run      ${event.member} ${event.runId} ${detail}`));
      },
    });
  } catch (error) {
    await parts.close();
    if (queueModule.QueueConfigError.isInstance(error))
      throw new CommandError(mask(`--queue: ${error.problems.join('; ')}`));
    throw new CommandError(
      mask(`the queue cannot be opened: ${error instanceof Error ? error.message : error}`),
    );
  }
  // The runtime ticks and enqueues; the executors claim. The coordinator's queue is shared
  // with it, never claimed from here and closed by the coordinator.
  const queue = coordinator.queue;
  const enqueueOnly = queueModule.createCoordinatorQueue(queue, { runs: coordinator.runs });
  const refuse: RunExecutor = {
    execute: () => Promise.reject(new Error('the coordinator executes no run: executors do')),
  };
  let woken = 0;
  let leaseShown = false;
  const runtime = createRuntime({
    dir,
    executor: refuse,
    ledger: parts.ledger,
    treasury: parts.treasury,
    queue: enqueueOnly,
    tickIntervalMs: options.tickIntervalMs,
    onEvent: (event) => {
      if (event.type === 'wake') woken += 1;
      // `--once` takes the lease again each round: said once.
      if (event.type === 'lease-taken') {
        if (leaseShown) return;
        leaseShown = true;
      }
      const line = eventLine(event, new Date());
      if (line !== '') output.out(mask(line));
    },
  });
  output.out(
    safe(
      `coordinating ${dir} on ${queueModule.redactConnectionString(url)} (queue ${group}); executors: karnel executor --queue … --group <this group's directory>`,
    ),
  );
  try {
    if (options.once) {
      // Rounds: enqueue what is due, wait until the executors have done it (a run's messages
      // may wake other members), until a round wakes no one.
      for (let round = 0; round < 20; round += 1) {
        woken = 0;
        await runtime.runOnce().catch((error: unknown) => {
          throw openFailure(error, context, runtimeModule);
        });
        await idle(coordinator, queue);
        if (woken === 0) break;
      }
      const runs = [...coordinator.runs.values()];
      const count = (status: string) => runs.filter((run) => run.finished === status).length;
      output.out(
        `${coordinator.stats.started} runs: ${count('succeeded')} succeeded, ${runs.filter((run) => run.parked).length} parked, ${count('failed')} failed; ${coordinator.stats.refused} refused`,
      );
      return;
    }
    await runtime.start().catch((error: unknown) => {
      throw openFailure(error, context, runtimeModule);
    });
    output.out(safe(`running ${dir} as the coordinator; Ctrl-C stops`));
    const stop = () => {
      output.out('stopping: no new wakes; runs in progress on executors go on');
      void runtime.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = options.until
      ? setTimeout(stop, options.until.getTime() - Date.now())
      : undefined;
    try {
      await runtime.stopped;
    } finally {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    output.out('stopped');
    context.setExitCode(ExitCode.ok);
  } finally {
    await coordinator.close();
    await parts.close();
  }
}

/** Waits until nothing is queued or running and every started run finished or parked. */
async function idle(
  coordinator: { readonly runs: ReadonlyMap<string, { finished?: string; parked: boolean }> },
  queue: { snapshot(): Promise<readonly { queued?: unknown; running?: unknown }[]> },
): Promise<void> {
  for (;;) {
    const states = await queue.snapshot();
    const busy = states.some((state) => state.queued !== undefined || state.running !== undefined);
    const open = [...coordinator.runs.values()].some(
      (run) => run.finished === undefined && !run.parked,
    );
    if (!busy && !open) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
