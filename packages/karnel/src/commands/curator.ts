import { escapeTerminalText } from '@karnel/core';
import { ExitCode } from '../exit-codes';
import { loadRuntime } from '../load-runtime';
import { printDiagnostics } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';
import { reportPolicyErrors, toTerminalSafeJson } from './policy-dir';

/** Registers `karnel curator run|rollback`. */
export const registerCuratorCommand: RegisterCommand = (program, context) => {
  const curator = program
    .command('curator')
    .description(
      "Keep a group's skill library healthy: grade skills by ledgered usage, archive unused ones (never delete), flag stale hypotheses; roll one change back.",
    );

  curator
    .command('run')
    .description(
      'One deterministic pass: most used first; unused 14 days → stale, 30 days → archived to .archive/. Snapshots the library first and ledgers every change. Protected (hub, bundled) and pinned skills are never touched. With model_pass enabled in curator.yaml, a cheap-tier model then proposes consolidations: reported and ledgered, never applied.',
    )
    .argument('[dir]', 'the group directory', '.')
    .option('--dry-run', 'print the report (and any model proposals) and change nothing')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action((dir: string, options: { dryRun?: boolean; format: string }) => {
      if (options.format !== 'text' && options.format !== 'json')
        throw new UsageError(
          `unknown format "${escapeTerminalText(options.format)}"; expected text or json`,
        );
      return reportPolicyErrors(context, async () => {
        const { formatCuratorReport, runCurator } = await loadRuntime();
        try {
          const report = await runCurator(dir, { dryRun: options.dryRun === true });
          context.output.out(
            options.format === 'json' ? toTerminalSafeJson(report) : formatCuratorReport(report),
          );
        } catch (error) {
          const diagnostics = (error as { diagnostics?: unknown }).diagnostics;
          if (!Array.isArray(diagnostics)) throw error;
          printDiagnostics(context.output, diagnostics, 'text');
          context.setExitCode(ExitCode.failure);
        }
      });
    });

  curator
    .command('rollback')
    .description(
      'Undo one curator change by its id (from the report or the ledger): restores the exact bytes recorded before it, and ledgers the rollback.',
    )
    .argument('<dir>', 'the group directory')
    .argument('<mutation-id>', 'the mutation id (ent_…)')
    .action((dir: string, mutationId: string) =>
      reportPolicyErrors(context, async () => {
        const { rollbackCuratorMutation } = await loadRuntime();
        const entry = await rollbackCuratorMutation(dir, mutationId);
        context.output.out(
          escapeTerminalText(
            `rolled back ${mutationId}: restored ${String(entry.body.restored)} (ledger entry ${entry.seq})`,
          ),
        );
      }),
    );
};
