import { escapeTerminalText } from '@karnel/core';
import { ExitCode } from '../exit-codes';
import { loadRuntime } from '../load-runtime';
import { UsageError } from '../usage-error';
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
      "A group's run state and membership, read from its ledger: status, and owner-signed pause, resume, dissolve, join and leave.",
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

  for (const change of ['join', 'leave'] as const) {
    group
      .command(change)
      .description(
        change === 'join'
          ? "Record that a member joined, signed with the owner's key; an independently owned member co-signs with --member-key (how it re-binds after a migration)."
          : "Record that a member left, signed with the owner's key.",
      )
      .argument('<dir>', 'the group directory')
      .argument('<role>', "the member's role")
      .option(
        '--kind <kind>',
        "native, foreign or human (default: the member's kind in manifest.yaml)",
      )
      .option('-k, --key <file>', "the owner's private key file (default: $KARNEL_KEY_FILE)")
      .option('--member-key <file>', "the member's own key file, for an independently owned member")
      .option('-m, --reason <text>', 'why, recorded in the ledger')
      .action(
        (
          dir: string,
          role: string,
          options: { kind?: string; key?: string; memberKey?: string; reason?: string },
        ) =>
          reportPolicyErrors(context, async () => {
            if (
              options.kind !== undefined &&
              !['native', 'foreign', 'human'].includes(options.kind)
            )
              throw new UsageError(
                `unknown kind "${safe(options.kind)}"; expected native, foreign or human`,
              );
            const signer = await requireOperatorKey(options.key);
            const memberSigner = options.memberKey
              ? await requireOperatorKey(options.memberKey)
              : undefined;
            const { recordMembership } = await loadRuntime();
            const entry = await recordMembership(dir, {
              signer,
              member: role,
              change: change === 'join' ? 'joined' : 'left',
              ...(options.kind !== undefined
                ? { kind: options.kind as 'native' | 'foreign' | 'human' }
                : {}),
              ...(memberSigner ? { memberSigner } : {}),
              ...(options.reason !== undefined ? { reason: options.reason } : {}),
            });
            context.output.out(
              safe(
                `${entry.type} ${role} at ledger entry ${entry.seq}, signed by ${signer.did}${memberSigner ? ` and ${memberSigner.did}` : ''}`,
              ),
            );
          }),
      );
  }

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
