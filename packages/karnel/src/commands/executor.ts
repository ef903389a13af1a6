import { CommandError } from '../command-error';
import { ExitCode } from '../exit-codes';
import { safe } from '../runtime-lines';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';
import { openQueueAndGroup } from './run-coordinator';

interface ExecutorOptions {
  queue?: string | true;
  group?: string;
  concurrency?: string;
  offline?: boolean;
}

/**
 * Registers `karnel executor`: a worker that claims the runs of a group from its PostgreSQL
 * queue and carries them out with the real run loop, reading the group directory and sending
 * every write to the group's coordinator (`karnel run <dir> --queue …`).
 */
export const registerExecutorCommand: RegisterCommand = (program, context) => {
  program
    .command('executor')
    .description(
      "Carry out a group's runs from its PostgreSQL queue: claim a run, call the models and skills, send every step, message and episode to the group's coordinator (karnel run <dir> --queue …), which alone writes the group directory. Ctrl-C (or SIGTERM) stops: no new claims, runs in progress finish.",
    )
    .option(
      '--queue [url]',
      'the queue: postgres://user:password@host:5432/database (default $KARNEL_QUEUE_URL, else url: in the machine-level queue.yaml)',
    )
    .requiredOption(
      '--group <dir>',
      "the group directory as this machine sees it: the coordinator's, mounted read-only, or a copy kept in sync",
    )
    .option('--concurrency <n>', 'runs carried out at once', '1')
    .option(
      '--offline',
      "use the group's offline demo model (offline-demo.yaml) instead of real models: every line it writes says so",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  KARNEL_QUEUE_URL=postgres://karnel:…@db:5432/karnel karnel executor --queue --group /mnt/groups/newsletter-co\n  karnel executor --queue postgres://karnel:…@db:5432/karnel --group ./newsletter-co --concurrency 4\n',
    )
    .action(async (options: ExecutorOptions) => {
      const { output } = context;
      const concurrency = Number(options.concurrency ?? '1');
      if (!/^\d{1,3}$/.test(options.concurrency ?? '1') || concurrency < 1)
        throw new UsageError(
          `--concurrency expects a whole number from 1 to 999, not "${safe(String(options.concurrency))}"`,
        );
      const dir = options.group as string;
      const opened = await openQueueAndGroup(options.queue ?? true, dir, context, '--queue');
      const { queueModule, runtimeModule, url, mask, group } = opened;
      let runtime: Awaited<ReturnType<typeof queueModule.openExecutorRuntime>>;
      try {
        const languageModels = options.offline
          ? await runtimeModule.openOfflineDemo(dir)
          : undefined;
        runtime = await queueModule.openExecutorRuntime(
          dir,
          languageModels ? { languageModels } : {},
        );
      } catch (error) {
        if (runtimeModule.RuntimeOpenError.isInstance(error))
          throw new CommandError(
            `${safe(error.dir)}: the ${safe(error.part)} part cannot be opened: ${safe(error.diagnostics[0]?.message ?? error.message)}`,
          );
        throw error;
      }
      const time = () => new Date().toISOString().slice(11, 19);
      const worker = await queueModule
        .startExecutorWorker({
          queue: { connectionString: url, group },
          executor: runtime.executor,
          concurrency,
          onRun: (event) => {
            const result = event.result;
            const detail =
              result === undefined
                ? event.outcome
                : result.status === 'failed'
                  ? `failed: ${result.error ?? 'no reason given'}`
                  : result.status === 'parked'
                    ? `parked, waiting on ${result.waitingOn ?? '?'}`
                    : `${result.status} (${result.steps} steps)`;
            output.out(
              mask(
                `${time()} run      ${event.member} ${event.runId}${event.attempt > 0 ? ` (attempt ${event.attempt + 1})` : ''} ${detail}${options.offline ? '  [offline demo model]' : ''}`,
              ),
            );
          },
          onError: (error) =>
            output.err(
              mask(`${time()} error    ${error instanceof Error ? error.message : String(error)}`),
            ),
        })
        .catch(async (error: unknown) => {
          await runtime.close();
          throw new CommandError(
            mask(`the queue cannot be opened: ${error instanceof Error ? error.message : error}`),
          );
        });
      output.out(
        safe(
          `executor for ${dir} on ${queueModule.redactConnectionString(url)} (queue ${group}): ${concurrency} at once; Ctrl-C stops`,
        ),
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          output.out(
            'stopping: no new runs; runs in progress finish (again to stop now: their leases lapse and other executors resume them)',
          );
          const now = () => {
            output.out('stopped now; runs in progress resume elsewhere when their leases lapse');
            process.exit(ExitCode.failure);
          };
          process.once('SIGINT', now);
          process.once('SIGTERM', now);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await worker.close();
      await runtime.close();
      output.out('stopped');
      context.setExitCode(ExitCode.ok);
    });
};
