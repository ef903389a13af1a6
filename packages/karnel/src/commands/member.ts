import { escapeTerminalText } from '@karnel/core';
import { loadRuntime } from '../load-runtime';
import type { RegisterCommand } from './index';
import { reportPolicyErrors, requireOperatorKey } from './policy-dir';

const safe = (text: string) => escapeTerminalText(text);

/** Registers `karnel member resume`. */
export const registerMemberCommand: RegisterCommand = (program, context) => {
  const member = program
    .command('member')
    .description("One member's run state: resume a member the circuit breaker paused.");

  member
    .command('resume')
    .description(
      "Resume a paused member (the circuit breaker pauses one after failed runs in a row), signed with the owner's key: the scheduler obeys only an owner-signed resume.",
    )
    .argument('<dir>', 'the group directory')
    .argument('<role>', "the member's role")
    .option('-k, --key <file>', "the owner's private key file (default: $KARNEL_KEY_FILE)")
    .option('-m, --reason <text>', 'why, recorded in the ledger')
    .action((dir: string, role: string, options: { key?: string; reason?: string }) =>
      reportPolicyErrors(context, async () => {
        const signer = await requireOperatorKey(options.key);
        const { resumeMember } = await loadRuntime();
        const entry = await resumeMember(dir, {
          member: role,
          signer,
          ...(options.reason !== undefined ? { reason: options.reason } : {}),
        });
        context.output.out(
          safe(
            `resumed ${role}: ${entry.type} at ledger entry ${entry.seq}, signed by ${signer.did}`,
          ),
        );
      }),
    );
};
