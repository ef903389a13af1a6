import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InboxError,
  type InboxItem,
  openInbox,
  REPLY_STATUSES,
  type ReplyStatus,
} from '@karnel/adapters';
import { escapeTerminalText } from '@karnel/core';
import { ExitCode } from '../exit-codes';
import type { CliContext } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';
import { requireOperatorKey } from './policy-dir';

/** Escapes text that came from a message, a file or an argument, for one line of output. */
const safe = (text: string): string => escapeTerminalText(text);

function titleOf(item: InboxItem): string {
  const { message } = item;
  switch (message.type) {
    case 'task':
      return message.payload.title;
    case 'escalation':
      return `${message.payload.condition}: ${message.payload.reason}`;
    case 'approval':
      return message.payload.subject;
    case 'info':
      return message.payload.text;
    default:
      return message.type;
  }
}

function line(item: InboxItem): string {
  return safe(
    `${item.message.id}  ${(item.reply ? 'answered' : 'pending').padEnd(8)}  ${item.role}  ${item.message.type}  from ${item.message.from}  ${titleOf(item)}`,
  );
}

async function requireGroup(dir: string): Promise<void> {
  try {
    if ((await stat(join(dir, 'manifest.yaml'))).isFile()) return;
  } catch {
    // reported below
  }
  throw new InboxError({
    code: 'inbox/not-found',
    message: `${safe(dir)} is not a group directory (no manifest.yaml)`,
  });
}

async function reportInboxErrors(context: CliContext, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!InboxError.isInstance(error)) throw error;
    context.output.err(`error: ${safe(error.message)}`);
    context.setExitCode(ExitCode.failure);
  }
}

/** Registers `karnel inbox …`: messages to the people of a group, and their replies. */
export const registerInboxCommand: RegisterCommand = (program, context) => {
  const inbox = program
    .command('inbox')
    .description("Read and answer the messages sent to a group's human members (Annex B).");

  inbox
    .command('list')
    .description('List the messages in the inbox, oldest first, pending and answered.')
    .argument('<dir>', 'the group directory')
    .option('-r, --role <role>', "only this person's messages")
    .option('--pending', 'only messages without a reply')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action((dir: string, options: { role?: string; pending?: boolean; format?: string }) =>
      reportInboxErrors(context, async () => {
        if (options.format !== 'text' && options.format !== 'json')
          throw new UsageError(
            `unknown format "${safe(String(options.format))}"; expected text or json`,
          );
        await requireGroup(dir);
        const items = (await openInbox(dir).list(options.role)).filter(
          (item) => !options.pending || !item.reply,
        );
        if (options.format === 'json') {
          context.output.out(
            safe(
              JSON.stringify(
                items.map((item) => ({
                  id: item.message.id,
                  role: item.role,
                  type: item.message.type,
                  from: item.message.from,
                  title: titleOf(item),
                  status: item.reply ? 'answered' : 'pending',
                  run_id: item.runId,
                })),
              ),
            ),
          );
          return;
        }
        if (items.length === 0) context.output.out('the inbox is empty');
        for (const item of items) context.output.out(line(item));
      }),
    );

  inbox
    .command('show')
    .description('Show one message in full, and its reply when there is one.')
    .argument('<dir>', 'the group directory')
    .argument('<id>', 'the message id (msg_…)')
    .action((dir: string, id: string) =>
      reportInboxErrors(context, async () => {
        await requireGroup(dir);
        const item = await openInbox(dir).show(id);
        const rows = [
          `id:        ${item.message.id}`,
          `to:        ${item.role}`,
          `from:      ${item.message.from}`,
          `type:      ${item.message.type}`,
          `sent at:   ${item.message.created_at}`,
          `run:       ${item.runId}`,
          `status:    ${item.reply ? `answered (${item.reply.status}) at ${item.reply.repliedAt}` : 'pending'}`,
          ...(item.replyKey ? [`reply key: ${item.replyKey}`] : []),
          `title:     ${titleOf(item)}`,
        ].map(safe);
        context.output.out(rows.join('\n'));
        context.output.out('payload:');
        context.output.out(
          escapeTerminalText(JSON.stringify(item.message.payload, null, 2), { multiline: true }),
        );
        if (item.reply) {
          context.output.out('reply:');
          context.output.out(escapeTerminalText(item.reply.summary, { multiline: true }));
        }
      }),
    );

  inbox
    .command('reply')
    .description(
      'Answer a message as the person it was sent to; signed with --key when the member declares a key. A message is answered once.',
    )
    .argument('<dir>', 'the group directory')
    .argument('<id>', 'the message id (msg_…)')
    .requiredOption('-m, --summary <text>', 'the answer, in prose')
    .option(
      '-s, --status <status>',
      `how the work ended: ${REPLY_STATUSES.join(', ')}`,
      'completed',
    )
    .option('-k, --key <file>', 'your private key file (default: $KARNEL_KEY_FILE when needed)')
    .action((dir: string, id: string, options: { summary: string; status: string; key?: string }) =>
      reportInboxErrors(context, async () => {
        if (!REPLY_STATUSES.includes(options.status as ReplyStatus))
          throw new UsageError(
            `unknown status "${safe(options.status)}"; expected one of ${REPLY_STATUSES.join(', ')}`,
          );
        await requireGroup(dir);
        const box = openInbox(dir);
        const item = await box.show(id);
        const wantsKey = item.replyKey !== undefined || options.key !== undefined;
        const signer = wantsKey ? await requireOperatorKey(options.key) : undefined;
        const reply = await box.reply({
          messageId: item.message.id,
          status: options.status as ReplyStatus,
          summary: options.summary,
          ...(signer ? { signer } : {}),
        });
        context.output.out(
          safe(
            `answered ${reply.messageId} as ${reply.role} (${reply.status})${reply.signer ? `, signed by ${reply.signer}` : ''}`,
          ),
        );
      }),
    );
};
