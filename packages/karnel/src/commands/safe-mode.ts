import { escapeTerminalText } from '@karnel/core';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';
import {
  openPolicyDirectory,
  reportPolicyErrors,
  requireOperatorKey,
  toTerminalSafeJson,
} from './policy-dir';

/** Escapes text that came from a file, the ledger or an argument, for one line of output. */
const safe = (text: string): string => escapeTerminalText(text);

/** Registers `karnel safe-mode on|off|status`. */
export const registerSafeModeCommand: RegisterCommand = (program, context) => {
  const safeMode = program
    .command('safe-mode')
    .description(
      'The emergency brake: suspend every capability except the reads the policy keeps, and cancel pending approvals. Its state is the freshest signed state in the ledger.',
    );

  safeMode
    .command('status')
    .description(
      'Show whether safe mode is on, since when, who turned it on and why. Exits 0 either way; a tampered or rolled-back safe-mode.json reads as on, with a warning.',
    )
    .argument('[dir]', 'the agent or group directory', '.')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action(async (dir: string, options: { format?: string }) => {
      if (options.format !== undefined && options.format !== 'text' && options.format !== 'json') {
        throw new UsageError(`unknown format "${safe(options.format)}"; expected text or json`);
      }
      await reportPolicyErrors(context, async () => {
        const policy = await openPolicyDirectory(dir, undefined, { readOnly: true });
        try {
          const status = await policy.safeMode.status();
          if (options.format === 'json') {
            context.output.out(toTerminalSafeJson(status));
            return;
          }
          const state = status.state;
          context.output.out(
            [
              `safe mode: ${status.active ? 'on' : 'off'}`,
              ...(state
                ? [
                    `since ${state.changed_at}, by ${state.changed_by}${state.trigger ? ` (${state.trigger})` : ''} (state ${state.sequence}): ${state.reason}`,
                  ]
                : []),
              ...(status.problem
                ? [`warning: ${status.problem} [${status.problemCode}]; treated as on`]
                : []),
            ]
              .map(safe)
              .join('\n'),
          );
        } finally {
          await policy.ledger.close();
        }
      });
    });

  safeMode
    .command('on')
    .description('Turn safe mode on, signed with your key; pending approvals are cancelled.')
    .argument('<dir>', 'the agent or group directory')
    .option('-k, --key <file>', 'your private key file (default: $KARNEL_KEY_FILE)')
    .option('-r, --reason <text>', 'why, for the ledger', 'turned on from the command line')
    .action(async (dir: string, options: { key?: string; reason: string }) => {
      const signer = await requireOperatorKey(options.key);
      await reportPolicyErrors(context, async () => {
        const policy = await openPolicyDirectory(dir, signer);
        try {
          const status = await policy.safeMode.enter({
            signer,
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
    });

  safeMode
    .command('off')
    .description("Turn safe mode off. Needs the owner's key; exits 1 with any other key.")
    .argument('<dir>', 'the agent or group directory')
    .option('-k, --key <file>', "the owner's private key file (default: $KARNEL_KEY_FILE)")
    .option('-r, --reason <text>', 'why, for the ledger', 'turned off from the command line')
    .action(async (dir: string, options: { key?: string; reason: string }) => {
      const signer = await requireOperatorKey(options.key);
      await reportPolicyErrors(context, async () => {
        const policy = await openPolicyDirectory(dir, signer);
        try {
          // Throws PolicyAuthorizationError (exit 1) for any key but the owner's.
          await policy.safeMode.exit({ signer, reason: options.reason });
          context.output.out('safe mode off');
        } finally {
          await policy.ledger.close();
        }
      });
    });
};
