import { access, constants, mkdir } from 'node:fs/promises';
import type { Message } from '@karnel/coordination';
import { type AuditLog, type LedgerReader, parsePublicKey } from '@karnel/core';
import type { AdapterCheck, CostEstimate, ForeignAgentAdapter } from './adapter';
import { defineAdapter, type PerformAnswer, type PerformContext } from './define-adapter';
import { AdapterError } from './errors';
import { type InboxReply, openInbox, verifyInboxReply } from './inbox';
import type { InboxNotice, InboxNotifier } from './inbox-notifier';
import { sleep } from './retry';

/** Options of {@link createHumanAdapter}. */
export interface HumanAdapterOptions {
  /** The person's role. */
  readonly role: string;
  /** The group directory; messages go to `<groupDir>/inbox/<role>/`. */
  readonly groupDir: string;
  /** The task classes the person accepts; absent means any. */
  readonly taskClasses?: readonly string[];
  /** Whether only escalations reach the person (the member's `escalation_only`). Default false. */
  readonly escalationOnly?: boolean;
  /** The person's identity (`did:key:…`); when given, only replies signed by it are accepted. */
  readonly publicKey?: string;
  /** How the person is told a message waits. Default: none (they look at `karnel inbox list`). */
  readonly notifiers?: readonly InboxNotifier[];
  /** The group ledger. */
  readonly ledger?: AuditLog | (AuditLog & LedgerReader);
  /** How often the inbox is looked at for the reply, in milliseconds. Default 500. */
  readonly pollIntervalMs?: number;
}

function titleOf(message: Message): string {
  switch (message.type) {
    case 'task':
      return message.payload.title;
    case 'escalation':
      return message.payload.condition;
    case 'approval':
      return message.payload.subject;
    case 'info':
      return message.payload.text.slice(0, 80);
    default:
      return message.type;
  }
}

/**
 * Creates the adapter of a person: each message is written to the group's inbox folder, the
 * notifiers tell the person, and the invocation resolves when the person answers with
 * `karnel inbox reply` (signed with their key when the member declares one).
 */
export function createHumanAdapter(options: HumanAdapterOptions): ForeignAgentAdapter {
  const { role, groupDir, escalationOnly = false, publicKey, notifiers = [], ledger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  if (publicKey !== undefined && !parsePublicKey(publicKey))
    throw new AdapterError({
      code: 'adapter/config',
      message: `the key of ${role} must be a did:key identity, got ${JSON.stringify(publicKey)}`,
    });
  const inbox = openInbox(groupDir);

  async function waitForReply(messageId: string, signal: AbortSignal): Promise<InboxReply> {
    for (;;) {
      const item = await inbox.show(messageId);
      if (item.reply) return item.reply;
      await sleep(pollIntervalMs, signal);
    }
  }

  async function perform(message: Message, context: PerformContext): Promise<PerformAnswer> {
    const delivered = await inbox.deliver(role, context.runId, message, {
      ...(publicKey ? { replyKey: publicKey } : {}),
    });
    if (delivered) {
      const notice: InboxNotice = {
        role,
        message_id: message.id,
        type: message.type,
        title: titleOf(message),
        run_id: context.runId,
      };
      for (const notifier of notifiers)
        try {
          await notifier.notify(notice);
          await context.progress('notified', { channel: notifier.name });
        } catch (error) {
          await context.progress('notify-failed', {
            channel: notifier.name,
            reason: (error as Error).message,
          });
        }
    }
    const reply = await waitForReply(message.id, context.signal);
    if (publicKey && !verifyInboxReply(reply, publicKey))
      throw new AdapterError({
        code: 'adapter/rejected',
        message: `the reply to ${message.id} is not signed by ${role}'s key ${publicKey}`,
      });
    return { status: reply.status, summary: reply.summary };
  }

  async function check(): Promise<AdapterCheck[]> {
    try {
      await mkdir(inbox.dir, { recursive: true });
      await access(inbox.dir, constants.W_OK);
      return [
        {
          code: 'human/inbox',
          level: 'pass',
          message: `messages to ${role} go to ${inbox.dir}`,
        },
        notifiers.length > 0
          ? {
              code: 'human/notify',
              level: 'pass',
              message: `${role} is notified by ${notifiers.map((notifier) => notifier.name).join(', ')}`,
            }
          : {
              code: 'human/notify',
              level: 'warn',
              message: `${role} is not notified; messages wait until they run karnel inbox list`,
              hint: 'configure a webhook or a command notifier',
            },
      ];
    } catch (error) {
      return [
        {
          code: 'human/inbox',
          level: 'fail',
          message: `${inbox.dir} is not writable: ${(error as Error).message}`,
          hint: 'check the permissions of the group directory',
        },
      ];
    }
  }

  return defineAdapter({
    type: 'human',
    role,
    taskClasses: options.taskClasses,
    ledger,
    check,
    refuse: (message) =>
      escalationOnly && message.type !== 'escalation'
        ? `${role} only receives escalations, not a ${message.type}`
        : undefined,
    perform,
    async estimateCost(): Promise<CostEstimate> {
      return { cost: { amount: '0', currency: 'USD' }, basis: 'free' };
    },
  });
}
