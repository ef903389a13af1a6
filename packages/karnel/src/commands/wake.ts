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
      const { isLeaseLive, readGroupLease, requestWake } = await loadRuntime();
      try {
        await requestWake({ dir, member: role, reason: options.reason });
      } catch (error) {
        if (InvalidArgumentError.isInstance(error))
          throw new CommandError(safe(error.message.replace(/^Invalid argument \w+: /, '')));
        throw error;
      }
      const holder = await readGroupLease(dir);
      const running = holder !== undefined && isLeaseLive(holder, new Date());
      context.output.out(
        safe(
          `wake requested for ${role}: ${options.reason}; ${running ? `the runtime (pid ${holder.pid}) picks it up at its next tick` : `no runtime is running: "karnel run ${dir}" picks it up`}`,
        ),
      );
    });
};
