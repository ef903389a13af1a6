import { escapeTerminalText } from '@karnel/core';
import { ExitCode } from '../exit-codes';
import { loadRuntime } from '../load-runtime';
import type { RegisterCommand } from './index';
import { reportPolicyErrors, requireOperatorKey } from './policy-dir';

const safe = (text: string) => escapeTerminalText(text);

const descriptions = {
  pause:
    "Pause the group, signed with your (the owner's) key: no member is woken until it is resumed.",
  resume:
    "Resume a paused group, or a handed-off folder whose migration was cancelled; signed with the owner's key.",
  dissolve:
    "Dissolve the group, signed with the owner's key: final; every run is refused, the directory and ledger stay as the archive.",
} as const;

/** Registers `karnel group status|pause|resume|dissolve`. */
export const registerGroupCommand: RegisterCommand = (program, context) => {
  const group = program
    .command('group')
    .description(
      "A group's run state, read from its ledger: status, and owner-signed pause, resume and dissolve.",
    );

  group
    .command('status')
    .description(
      'Print the run state (active, paused, dissolved, handed-off) and the ledger entry that set it.',
    )
    .argument('[dir]', 'the group directory', '.')
    .action((dir: string) =>
      reportPolicyErrors(context, async () => {
        const { groupLifecycleState } = await loadRuntime();
        const state = await groupLifecycleState(dir);
        const since = state.since
          ? ` since ledger entry ${state.since.seq} (${state.since.type}, ${state.since.time}${state.since.reason ? `: ${state.since.reason}` : ''})`
          : '';
        context.output.out(safe(`${state.state}${since}`));
        for (const line of state.ignored) context.output.out(safe(`ignored: ${line}`));
        for (const [member, status] of Object.entries(state.members))
          context.output.out(safe(`member ${member}: ${status}`));
      }),
    );

  for (const action of ['pause', 'resume', 'dissolve'] as const) {
    group
      .command(action)
      .description(descriptions[action])
      .argument('<dir>', 'the group directory')
      .option('-k, --key <file>', "the owner's private key file (default: $KARNEL_KEY_FILE)")
      .option('-m, --reason <text>', 'why, recorded in the ledger')
      .action((dir: string, options: { key?: string; reason?: string }) =>
        reportPolicyErrors(context, async () => {
          const signer = await requireOperatorKey(options.key);
          const { changeGroupLifecycle, groupLifecycleState } = await loadRuntime();
          const entry = await changeGroupLifecycle(dir, action, {
            signer,
            ...(options.reason !== undefined ? { reason: options.reason } : {}),
          });
          const state = await groupLifecycleState(dir);
          if (state.since?.seq !== entry.seq) {
            context.output.err(
              safe(`error: the ledger does not show the ${action} (entry ${entry.seq})`),
            );
            context.setExitCode(ExitCode.failure);
            return;
          }
          context.output.out(
            safe(
              `${state.state}: ${entry.type} at ledger entry ${entry.seq}, signed by ${signer.did}`,
            ),
          );
        }),
      );
  }
};
