import { InvalidArgumentError } from '@karnel/core';
import { CommandError } from '../command-error';
import { loadRuntime } from '../load-runtime';
import { requireValidGroup, safe } from '../runtime-lines';
import type { RegisterCommand } from './index';

/** Registers `karnel wake <dir> <role> --reason …`. */
export const registerWakeCommand: RegisterCommand = (program, context) => {
  program
    .command('wake')
    .description(
      "Ask for a member to be woken: records wake.requested in the group ledger; the running runtime's next tick (or the next 'karnel run') picks it up.",
    )
    .argument('<dir>', 'the group directory')
    .argument('<role>', 'the member to wake')
    .requiredOption('-r, --reason <text>', 'why, one line')
    .action(async (dir: string, role: string, options: { reason: string }) => {
      await requireValidGroup(dir, context.output);
      const { groupLifecycleState, isLeaseLive, readGroupLease, requestWake } = await loadRuntime();
      // The run state is the ledger's: no wake is recorded where no member will ever run it.
      const lifecycle = await groupLifecycleState(dir);
      const since = lifecycle.since ? ` (ledger entry ${lifecycle.since.seq})` : '';
      if (lifecycle.state === 'dissolved' || lifecycle.state === 'handed-off')
        throw new CommandError(
          safe(
            `${dir} was ${lifecycle.state === 'dissolved' ? 'dissolved' : 'handed off'}${since}: no member is woken here`,
          ),
        );
      if (lifecycle.members[role] === 'left')
        throw new CommandError(
          safe(`${role} left the group: it is not woken; "karnel group join" brings it back`),
        );
      try {
        await requestWake({
          dir,
          member: role,
          reason: options.reason,
          onRecovered: (line) => context.output.err(safe(`warning: ledger repaired: ${line}`)),
        });
      } catch (error) {
        if (InvalidArgumentError.isInstance(error))
          throw new CommandError(safe(error.message.replace(/^Invalid argument \w+: /, '')));
        throw error;
      }
      const holder = await readGroupLease(dir);
      const running = holder !== undefined && isLeaseLive(holder, new Date());
      const when =
        lifecycle.state === 'paused'
          ? 'the group is paused: it waits until the owner resumes the group'
          : running
            ? `the runtime (pid ${holder.pid}) picks it up at its next tick`
            : `no runtime is running: "karnel run ${dir}" picks it up`;
      context.output.out(safe(`wake requested for ${role}: ${options.reason}; ${when}`));
    });
};
