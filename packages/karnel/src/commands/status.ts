import type { RunExecutor } from '@karnel/runtime';
import { validatePaths } from '@karnel/validate';
import { loadRuntime } from '../load-runtime';
import { escapeJsonForTerminal } from '../output';
import { describeReasons, requireGroupDir, safe } from '../runtime-lines';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

const noExecutor: RunExecutor = {
  execute: () => Promise.reject(new Error('status starts no run')),
};

/** Registers `karnel status <dir>`. */
export const registerStatusCommand: RegisterCommand = (program, context) => {
  program
    .command('status')
    .description(
      "Show a group's state: the runtime holding it, each member's next wake and why, running and parked runs, budget by period, pending approvals.",
    )
    .argument('<dir>', 'the group directory')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action(async (dir: string, options: { format?: string }) => {
      const { output } = context;
      if (options.format !== 'text' && options.format !== 'json')
        throw new UsageError(
          `unknown format "${safe(String(options.format))}"; expected text or json`,
        );
      await requireGroupDir(dir);
      const validation = await validatePaths([dir]);
      const errors = validation.diagnostics.filter(
        (diagnostic) => diagnostic.severity === 'error',
      ).length;
      const status = await (await loadRuntime())
        .createRuntime({ dir, executor: noExecutor })
        .status();
      if (options.format === 'json') {
        output.out(escapeJsonForTerminal(JSON.stringify(status, null, 2)));
        return;
      }
      const lines: string[] = [`group    ${status.dir}`];
      if (errors > 0)
        lines.push(
          `invalid  ${errors} error${errors === 1 ? '' : 's'}: "karnel run" refuses to start; "karnel validate ${dir}" shows them`,
        );
      lines.push(
        status.lease
          ? `runtime  pid ${status.lease.pid} on ${status.lease.host}, ${status.lease.live ? `lease until ${status.lease.expiresAt}` : 'stale lease (not running)'}`
          : 'runtime  not running',
      );
      if (status.safeMode) lines.push('safe     ON: no new runs until the owner lifts it');
      if (status.lifecycle !== 'active')
        lines.push(`group is ${status.lifecycle}: no member is woken`);
      const width = Math.max(6, ...status.members.map((member) => member.member.length));
      lines.push('members');
      for (const member of status.members) {
        const role = member.member.padEnd(width);
        let state: string;
        if (member.paused) state = `paused: ${member.pausedWhy ?? 'by the owner'}`;
        else if (member.due.length > 0)
          state = `${member.heldBy ? `due, held (${member.heldBy})` : 'due now'}: ${describeReasons(member.due)}`;
        else if (member.nextWakeAt) state = `next ${member.nextWakeAt} (${member.nextWakeWhy})`;
        else state = 'waits for messages or a manual wake';
        const failures =
          member.consecutiveFailures > 0 ? `; ${member.consecutiveFailures} failed in a row` : '';
        lines.push(`  ${role}  ${state}${failures}`);
      }
      lines.push(`running  ${status.running.length === 0 ? 'none' : ''}`);
      for (const run of status.running)
        lines.push(`  ${run.runId}  ${run.member}  since ${run.startedAt}, ${run.steps} steps`);
      lines.push(`parked   ${status.parked.length === 0 ? 'none' : ''}`);
      for (const run of status.parked)
        lines.push(`  ${run.runId}  ${run.member}  waiting on ${run.waitingOn ?? '?'}`);
      if (status.budget) {
        lines.push(`budget   ${status.budget.currency}`);
        for (const period of status.budget.periods)
          lines.push(
            `  ${period.period}: spent ${period.spent}, reserved ${period.reserved}${period.remaining !== undefined ? `, remaining ${period.remaining}` : ''}`,
          );
      }
      lines.push(
        `approvals ${status.pendingApprovals.length === 0 ? 'none pending' : `${status.pendingApprovals.length} pending: ${status.pendingApprovals.join(', ')}`}`,
      );
      for (const line of lines) output.out(safe(line.trimEnd()));
    });
};
