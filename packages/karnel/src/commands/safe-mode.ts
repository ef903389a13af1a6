import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';
import { openPolicyDirectory, readOperatorKey } from './policy-dir';

/** Registers `karnel safe-mode on|off|status`. */
export const registerSafeModeCommand: RegisterCommand = (program, context) => {
  const safeMode = program
    .command('safe-mode')
    .description(
      'The emergency brake: suspend every capability except the reads the policy keeps, and cancel pending approvals.',
    );

  safeMode
    .command('status')
    .description(
      'Show whether safe mode is on, since when, who turned it on and why. Exits 0 either way.',
    )
    .argument('[dir]', 'the agent or group directory', '.')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action(async (dir: string, options: { format?: string }) => {
      if (options.format !== undefined && options.format !== 'text' && options.format !== 'json') {
        throw new UsageError(`unknown format "${options.format}"; expected text or json`);
      }
      const policy = await openPolicyDirectory(dir);
      try {
        const status = await policy.safeMode.status();
        if (options.format === 'json') {
          context.output.out(JSON.stringify(status, null, 2));
          return;
        }
        const state = status.state;
        context.output.out(
          [
            `safe mode: ${status.active ? 'on' : 'off'}`,
            ...(state
              ? [
                  `since ${state.changed_at}, by ${state.changed_by}${state.trigger ? ` (${state.trigger})` : ''}: ${state.reason}`,
                ]
              : []),
            ...(status.problem ? [`warning: ${status.problem}; treated as on`] : []),
          ].join('\n'),
        );
      } finally {
        await policy.ledger.close();
      }
    });

  safeMode
    .command('on')
    .description('Turn safe mode on, signed with your key; pending approvals are cancelled.')
    .argument('<dir>', 'the agent or group directory')
    .option('-k, --key <file>', 'your private key file (default: $KARNEL_KEY_FILE)')
    .option('-r, --reason <text>', 'why, for the ledger', 'turned on from the command line')
    .action(async (dir: string, options: { key?: string; reason: string }) => {
      const signer = await readOperatorKey(options.key, true);
      const policy = await openPolicyDirectory(dir, signer);
      try {
        const status = await policy.safeMode.enter({
          signer: signer!,
          reason: options.reason,
          trigger: 'manual',
        });
        const cancelled = status.cancelledApprovals ?? [];
        context.output.out(
          status.cancelledApprovals === undefined
            ? 'safe mode was already on'
            : `safe mode on; ${cancelled.length} pending approval request(s) cancelled${cancelled.length > 0 ? `: ${cancelled.join(', ')}` : ''}`,
        );
      } finally {
        await policy.ledger.close();
      }
    });

  safeMode
    .command('off')
    .description("Turn safe mode off. Needs the owner's key; exits 1 with any other key.")
    .argument('<dir>', 'the agent or group directory')
    .option('-k, --key <file>', "the owner's private key file (default: $KARNEL_KEY_FILE)")
    .option('-r, --reason <text>', 'why, for the ledger', 'turned off from the command line')
    .action(async (dir: string, options: { key?: string; reason: string }) => {
      const signer = await readOperatorKey(options.key, true);
      const policy = await openPolicyDirectory(dir, signer);
      try {
        // Throws PolicyAuthorizationError (exit 1) for any key but the owner's.
        await policy.safeMode.exit({ signer: signer!, reason: options.reason });
        context.output.out('safe mode off');
      } finally {
        await policy.ledger.close();
      }
    });
};
