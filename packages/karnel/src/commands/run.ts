import { parseDuration } from '@karnel/policy';
import type { RunExecutor } from '@karnel/runtime';
import { CommandError } from '../command-error';
import { ExitCode } from '../exit-codes';
import { loadDashboard } from '../load-dashboard';
import { loadRuntime } from '../load-runtime';
import { type CliOutput, printDiagnostics } from '../output';
import { dueLine, eventLine, requireValidGroup, safe } from '../runtime-lines';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';
import { runCoordinator } from './run-coordinator';

interface RunOptions {
  offline?: boolean;
  dashboard?: boolean;
  dashboardPort?: string;
  once?: boolean;
  dryRun?: boolean;
  until?: string;
  tick?: string;
  queue?: string | true;
}

/** `--until`: an RFC 3339 time, or a duration from now (`30m`, `8h`). */
function parseUntil(text: string, now: Date): Date {
  const duration = parseDuration(text);
  if (duration !== undefined) return new Date(now.getTime() + duration);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) {
    const at = new Date(text);
    if (at.getTime() <= now.getTime()) throw new UsageError(`--until ${safe(text)} is in the past`);
    return at;
  }
  throw new UsageError(
    `--until expects an RFC 3339 time (2026-12-06T18:00:00Z) or a duration (30m, 8h, 2d), not "${safe(text)}"`,
  );
}

/**
 * A part of the runtime that cannot open (tiers, policy, the offline script …): its diagnostics
 * are printed like `karnel validate`'s, and the command fails with one line.
 */
function openFailure(
  error: unknown,
  output: CliOutput,
  { RuntimeOpenError, GroupNotRunnableError }: Awaited<ReturnType<typeof loadRuntime>>,
): unknown {
  if (GroupNotRunnableError.isInstance(error)) return new CommandError(safe(error.message));
  if (!RuntimeOpenError.isInstance(error)) return error;
  printDiagnostics(output, error.diagnostics, 'text');
  return new CommandError(
    `${safe(error.dir)}: the ${safe(error.part)} part cannot be opened; the runtime will not start`,
  );
}

/** Registers `karnel run <dir>`: the group's loops in the foreground. */
export const registerRunCommand: RegisterCommand = (program, context) => {
  program
    .command('run')
    .description(
      "Run a group's loops in the foreground, one log line per wake, run, refusal and pause. Only one runtime may run a group; Ctrl-C (or SIGTERM) stops it gracefully: no new runs, running ones park, exit 0.",
    )
    .argument('<dir>', 'the group directory')
    .option('--once', 'do what is due now (and the work it causes), then exit')
    .option('--dry-run', 'print what would wake now and why; no run, no model call, no write')
    .option('--until <time>', 'stop at this RFC 3339 time, or after this long (30m, 8h)')
    .option('--tick <duration>', 'how often to look for due work (10s default)', '10s')
    .option(
      '--offline',
      "use the group's offline demo model (offline-demo.yaml) instead of real models: every line it writes says so",
    )
    .option(
      '--dashboard',
      "serve the owner's dashboard on 127.0.0.1 while the group runs (signing with $KARNEL_KEY_FILE when set)",
    )
    .option('--dashboard-port <port>', 'the dashboard port (0 picks a free one)', '4780')
    .option(
      '--queue [url]',
      'coordinate executors on PostgreSQL: this process enqueues, reserves and alone writes the group; `karnel executor` processes run (url default $KARNEL_QUEUE_URL, else url: in the machine-level queue.yaml)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  karnel run my-group --dry-run\n  karnel run my-group --once\n  karnel run my-group --until 8h\n  karnel run examples/newsletter-co --once --offline   (on a copy)\n  karnel run my-group --queue postgres://karnel:…@db:5432/karnel   (coordinator; see karnel executor)\n',
    )
    .action(async (dir: string, options: RunOptions) => {
      const { output } = context;
      if ([options.once, options.dryRun, options.until !== undefined].filter(Boolean).length > 1)
        throw new UsageError('choose one of --once, --dry-run and --until');
      const tickIntervalMs = parseDuration(options.tick ?? '10s');
      if (tickIntervalMs === undefined)
        throw new UsageError(
          `--tick expects a duration (10s, 1m), not "${safe(String(options.tick))}"`,
        );
      const until = options.until === undefined ? undefined : parseUntil(options.until, new Date());
      const dashboardPort = Number(options.dashboardPort ?? '4780');
      if (!/^\d{1,5}$/.test(options.dashboardPort ?? '4780') || dashboardPort > 65_535)
        throw new UsageError(
          `--dashboard-port must be a number from 0 to 65535, not "${safe(String(options.dashboardPort))}"`,
        );
      if (options.dashboard && (options.once || options.dryRun))
        throw new UsageError(
          '--dashboard serves while the group runs: not with --once or --dry-run',
        );

      if (options.queue !== undefined) {
        if (options.dryRun || options.dashboard || options.offline)
          throw new UsageError(
            '--queue coordinates executors: not with --dry-run, --dashboard or --offline (give --offline to the executors)',
          );
        await runCoordinator(
          dir,
          { queue: options.queue, once: options.once ?? false, tickIntervalMs, until },
          context,
        );
        return;
      }
      // Ctrl-C and SIGTERM stop gracefully from here on: before anything started they only end
      // the command; once a runtime exists they stop it (running runs park, exit 0).
      let stopRuntime: (() => void) | undefined;
      let stopRequested = false;
      const stop = () => {
        if (stopRequested) return;
        stopRequested = true;
        output.out('stopping: no new runs, running runs park at their next step');
        stopRuntime?.();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        await runGroup();
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }

      async function runGroup(): Promise<void> {
        await requireValidGroup(dir, output);
        if (stopRequested) return stopped();
        const runtimeModule = await loadRuntime();
        const {
          createRuntime,
          isLeaseLive,
          LeaseHeldError,
          loadGroupSnapshot,
          openOfflineDemo,
          readGroupLease,
        } = runtimeModule;

        if (options.dryRun) {
          const refuse: RunExecutor = {
            execute: () => Promise.reject(new Error('a dry run starts no run')),
          };
          const wakes = await createRuntime({ dir, executor: refuse }).dryRun();
          const width = Math.max(6, ...wakes.map((wake) => wake.member.length));
          if (wakes.some((wake) => wake.safeMode))
            output.out('safe mode is on: nothing would be dispatched');
          for (const wake of wakes) output.out(dueLine(wake, width));
          const due = wakes.filter((wake) => wake.reasons.length > 0 && !wake.paused).length;
          output.out(
            `${due} of ${wakes.length} members would wake now (dry run: nothing was started)`,
          );
          return;
        }

        const holder = await readGroupLease(dir);
        if (holder && isLeaseLive(holder, new Date()))
          throw new LeaseHeldError({ dir: safe(dir), holder });
        // Loaded before the runtime starts, so a missing optional package stops nothing half-way.
        const dashboardModule = options.dashboard ? await loadDashboard() : undefined;
        let languageModels: Awaited<ReturnType<typeof openOfflineDemo>> | undefined;
        try {
          if (options.offline) languageModels = await openOfflineDemo(dir);
        } catch (error) {
          throw openFailure(error, output, runtimeModule);
        }
        if (languageModels)
          output.out(
            "offline demo model: runs play offline-demo.yaml; no model is called and nothing it writes is a model's answer",
          );
        const runtime = createRuntime({
          dir,
          ...(languageModels ? { parts: { languageModels } } : {}),
          tickIntervalMs,
          onEvent: (event) => {
            const line = eventLine(event, new Date());
            // Every line a scripted answer affects says so.
            const scripted =
              languageModels !== undefined &&
              (event.type === 'run-started' || event.type === 'run-finished');
            output.out(scripted ? `${line}  [offline demo model]` : line);
          },
        });
        if (stopRequested) return stopped();
        stopRuntime = () => void runtime.stop();
        if (options.once) {
          // Read-only: the run state is the ledger's owner-signed records.
          const lifecycle = await runtimeModule.groupLifecycleState(dir).then(
            (state) => state.state,
            () => undefined,
          );
          if (lifecycle === 'paused')
            output.out('the group is paused: no member is woken (karnel group resume)');
          const report = await runtime.runOnce().catch((error: unknown) => {
            throw openFailure(error, output, runtimeModule);
          });
          const count = (status: string) =>
            report.runs.filter((run) => run.result.status === status).length;
          output.out(
            `${report.runs.length} runs: ${count('succeeded')} succeeded, ${count('parked')} parked, ${count('failed')} failed; ${report.refused.length} refused`,
          );
          if (stopRequested) stopped();
          return;
        }

        const snapshot = await loadGroupSnapshot(dir);
        await runtime.start().catch((error: unknown) => {
          throw openFailure(error, output, runtimeModule);
        });
        output.out(
          safe(
            `running ${snapshot.dir}: ${snapshot.members.filter((member) => member.kind !== 'human').length} members${until ? ` until ${until.toISOString()}` : ''}; Ctrl-C stops`,
          ),
        );
        const keyFile = process.env.KARNEL_KEY_FILE;
        const served = dashboardModule
          ? await dashboardModule!.serveDashboard({
              dir,
              host: '127.0.0.1',
              port: dashboardPort,
              ...(keyFile ? { keyFile } : {}),
              warn: (message) => output.err(safe(message)),
            })
          : undefined;
        if (served) output.out(`dashboard at ${served.url}`);
        // A signal that came while the runtime started stops it now.
        if (stopRequested) void runtime.stop();
        // A start slower than the time given (a loaded machine) stops at once, not with a
        // warning about a negative delay.
        const timer = until
          ? setTimeout(stop, Math.max(0, until.getTime() - Date.now()))
          : undefined;
        try {
          await runtime.stopped;
        } finally {
          if (timer) clearTimeout(timer);
          await served?.close();
        }
        return stopped();
      }

      function stopped(): void {
        output.out('stopped');
        context.setExitCode(ExitCode.ok);
      }
    });
};
