import { escapeTerminalText } from '@karnel/core';
import { CommandError } from '../command-error';
import { loadRuntime } from '../load-runtime';
import { escapeJsonForTerminal } from '../output';
import { requireGroupDir, safe } from '../runtime-lines';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

function checkFormat(format: string | undefined): 'text' | 'json' {
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`unknown format "${safe(String(format))}"; expected text or json`);
  return format;
}

/** Registers `karnel runs list|show`. */
export const registerRunsCommand: RegisterCommand = (program, context) => {
  const runs = program
    .command('runs')
    .description(
      "A group's runs, from its ledger: a list, and one run's summary, steps and raw entries.",
    );

  runs
    .command('list')
    .description('List the runs, newest first: id, member, state, steps, cost.')
    .argument('<dir>', 'the group directory')
    .option('-m, --member <role>', "only this member's runs")
    .option('-n, --limit <count>', 'at most this many runs', '50')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action(async (dir: string, options: { member?: string; limit: string; format?: string }) => {
      const format = checkFormat(options.format);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(
          `--limit expects a positive whole number, not "${safe(options.limit)}"`,
        );
      await requireGroupDir(dir);
      const { createLedgerHistory, loadGroupSnapshot } = await loadRuntime();
      const history = createLedgerHistory((await loadGroupSnapshot(dir)).ledgerDir);
      await history.refresh();
      const listed = [...history.runs.values()]
        .filter((run) => options.member === undefined || run.member === options.member)
        .reverse()
        .slice(0, limit);
      if (format === 'json') {
        context.output.out(escapeJsonForTerminal(JSON.stringify(listed, null, 2)));
        return;
      }
      if (listed.length === 0) context.output.out('no runs');
      for (const run of listed)
        context.output.out(
          safe(
            `${run.runId}  ${run.member}  ${run.state.padEnd(9)}  ${run.startedAt}  ${run.steps} steps${run.cost !== undefined ? `  cost ${run.cost}` : ''}${run.waitingOn ? `  waiting on ${run.waitingOn}` : ''}`,
          ),
        );
    });

  runs
    .command('show')
    .description('Show one run: summary, then its steps, then (with --raw) its ledger entries.')
    .argument('<dir>', 'the group directory')
    .argument('<run>', 'the run id (run_…)')
    .option('--raw', 'also print every ledger entry of the run')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action(async (dir: string, runId: string, options: { raw?: boolean; format?: string }) => {
      const format = checkFormat(options.format);
      await requireGroupDir(dir);
      const { loadGroupSnapshot, readRun } = await loadRuntime();
      const record = await readRun((await loadGroupSnapshot(dir)).ledgerDir, runId);
      if (!record) throw new CommandError(`no run "${safe(runId)}" in the group ledger`);
      if (format === 'json') {
        context.output.out(escapeJsonForTerminal(JSON.stringify(record, null, 2)));
        return;
      }
      const { summary } = record;
      const rows = [
        `run       ${summary.runId}`,
        `member    ${summary.member}`,
        `state     ${summary.state}${summary.waitingOn ? `, waiting on ${summary.waitingOn}` : ''}`,
        `started   ${summary.startedAt}`,
        ...(summary.endedAt ? [`ended     ${summary.endedAt}`] : []),
        `steps     ${summary.steps}`,
        ...(summary.cost !== undefined ? [`cost      ${summary.cost}`] : []),
        ...(summary.error ? [`error     ${summary.error}`] : []),
      ];
      for (const row of rows) context.output.out(safe(row));
      context.output.out('steps:');
      record.steps.forEach((step, index) => {
        context.output.out(safe(`  ${index}  ${JSON.stringify(step)}`.slice(0, 400)));
      });
      if (options.raw) {
        context.output.out('entries:');
        for (const entry of record.entries)
          context.output.out(
            escapeTerminalText(
              `  #${entry.seq} ${entry.time} ${entry.type} ${JSON.stringify(entry.body)}`,
            ),
          );
      }
    });
};
