import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Message, safeParseMessage } from '@karnel/coordination';
import {
  canonicalJson,
  fromBase64Url,
  isId,
  KarnelError,
  parsePublicKey,
  readFileInside,
  type Signer,
  syncFolder,
  toBase64Url,
  verifySignature,
  writeFileAtomic,
} from '@karnel/core';
import { z } from 'zod';

const marker = 'karnel.adapters.InboxError';
const symbol = Symbol.for(marker);

/** Why an inbox operation was refused. */
export type InboxErrorCode =
  | 'inbox/not-found'
  | 'inbox/already-answered'
  | 'inbox/unsigned'
  | 'inbox/wrong-key'
  | 'inbox/invalid';

/** An inbox operation that cannot be done: an unknown message, a second reply, a missing key. */
export class InboxError extends KarnelError {
  private readonly [symbol] = true;

  /** Why, as a stable code. */
  readonly code: InboxErrorCode;

  /** @param options - `code`: the stable code; `message`: one sentence a user can act on. */
  constructor(options: { code: InboxErrorCode; message: string }) {
    super({ name: 'InboxError', message: options.message });
    this.code = options.code;
  }

  /** Whether `error` is an {@link InboxError}, from any installed copy of this package. */
  static override isInstance(error: unknown): error is InboxError {
    return KarnelError.hasMarker(error, marker);
  }
}

/** The statuses a person may answer with. */
export const REPLY_STATUSES = ['completed', 'partial', 'failed', 'declined'] as const;

/** One of {@link REPLY_STATUSES}. */
export type ReplyStatus = (typeof REPLY_STATUSES)[number];

/** A message delivered to a person: `inbox/<role>/<message id>.json`. */
export interface InboxItem {
  /** The role of the person. */
  readonly role: string;
  /** The Karnel run id the message was delivered under. */
  readonly runId: string;
  /** The message, as Annex C. Untrusted text: show it through `escapeTerminalText`. */
  readonly message: Message;
  /** When it was delivered (RFC 3339). */
  readonly deliveredAt: string;
  /** The identity a reply must be signed with, when the member declares one. */
  readonly replyKey?: string;
  /** The reply, once there is one. */
  readonly reply?: InboxReply;
}

/** A person's answer to an {@link InboxItem}: `inbox/<role>/<message id>.reply.json`. */
export interface InboxReply {
  /** The message answered. */
  readonly messageId: string;
  /** The run id of the message answered. */
  readonly runId: string;
  /** The person's role. */
  readonly role: string;
  /** How the work ended. */
  readonly status: ReplyStatus;
  /** The answer, in prose. */
  readonly summary: string;
  /** When the reply was written (RFC 3339). */
  readonly repliedAt: string;
  /** The signer's identity, when the reply is signed. */
  readonly signer?: string;
  /** The base64url ed25519 signature of the reply's canonical JSON (without this field). */
  readonly signature?: string;
}

const itemFileSchema = z.object({
  karnel_inbox_version: z.literal('1'),
  role: z.string().min(1),
  run_id: z.string().refine((value) => isId(value, 'run')),
  delivered_at: z.string(),
  reply_key: z.string().optional(),
  message: z.unknown(),
});

const replyFileSchema = z.strictObject({
  message_id: z.string(),
  run_id: z.string(),
  role: z.string(),
  status: z.literal(REPLY_STATUSES),
  summary: z.string(),
  replied_at: z.string(),
  signer: z.string().optional(),
  signature: z.string().optional(),
});

function replyBytes(reply: z.infer<typeof replyFileSchema>): Uint8Array {
  const { signature: _signature, ...signed } = reply;
  return new TextEncoder().encode(canonicalJson(signed));
}

/** Checks that `reply` is signed by `identity`; `false` for an unsigned or forged reply. */
export function verifyInboxReply(reply: InboxReply, identity: string): boolean {
  const publicKey = parsePublicKey(identity);
  const signature = reply.signature ? fromBase64Url(reply.signature) : undefined;
  if (!publicKey || !signature || reply.signer !== identity) return false;
  return verifySignature(signature, replyBytes(toReplyFile(reply)), publicKey);
}

function toReplyFile(reply: InboxReply): z.infer<typeof replyFileSchema> {
  return {
    message_id: reply.messageId,
    run_id: reply.runId,
    role: reply.role,
    status: reply.status,
    summary: reply.summary,
    replied_at: reply.repliedAt,
    ...(reply.signer ? { signer: reply.signer } : {}),
    ...(reply.signature ? { signature: reply.signature } : {}),
  };
}

/** What {@link Inbox.reply} needs. */
export interface NewInboxReply {
  /** The message answered (`msg_…`). */
  readonly messageId: string;
  /** How the work ended. Default `completed`. */
  readonly status?: ReplyStatus;
  /** The answer, in prose. */
  readonly summary: string;
  /** The person's key; required when the item declares a reply key. */
  readonly signer?: Signer;
  /** The reply time. Default: now. */
  readonly now?: Date;
}

/** The inbox folder of a group: messages to people, and their replies. */
export interface Inbox {
  /** The inbox folder (`<group>/inbox`). */
  readonly dir: string;
  /**
   * Writes `message` to the inbox of `role` under `runId`. Idempotent: resolves `false`, writing
   * nothing, when the message is already there.
   */
  deliver(
    role: string,
    runId: string,
    message: Message,
    options?: { replyKey?: string },
  ): Promise<boolean>;
  /** Every item, oldest first; only those of `role` when given. */
  list(role?: string): Promise<InboxItem[]>;
  /** The item of `messageId`. @throws {InboxError} `inbox/not-found`. */
  show(messageId: string): Promise<InboxItem>;
  /**
   * Answers a message, once: the reply is written atomically and exclusively.
   * @throws {InboxError} for an unknown message, a message already answered, or a missing or
   *   wrong key when the item declares one.
   */
  reply(reply: NewInboxReply): Promise<InboxReply>;
}

function fromReplyFile(value: z.infer<typeof replyFileSchema>): InboxReply {
  return {
    messageId: value.message_id,
    runId: value.run_id,
    role: value.role,
    status: value.status,
    summary: value.summary,
    repliedAt: value.replied_at,
    ...(value.signer ? { signer: value.signer } : {}),
    ...(value.signature ? { signature: value.signature } : {}),
  };
}

/**
 * Reads an inbox file as JSON, only while its real location is inside the group: a message or
 * reply file that a symbolic link leads out of it is `inbox/invalid`, never read.
 */
async function readJson(groupDir: string, path: string): Promise<unknown | undefined> {
  try {
    return JSON.parse((await readFileInside(groupDir, path)).toString('utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InboxError({
      code: 'inbox/invalid',
      message: `${path} cannot be read: ${(error as Error).message}`,
    });
  }
}

const ROLE_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** Opens the inbox of the group in `groupDir` (`<groupDir>/inbox`, created on first delivery). */
export function openInbox(groupDir: string): Inbox {
  const dir = join(groupDir, 'inbox');

  async function readItem(role: string, messageId: string): Promise<InboxItem | undefined> {
    const path = join(dir, role, `${messageId}.json`);
    const raw = await readJson(groupDir, path);
    if (raw === undefined) return undefined;
    const file = itemFileSchema.safeParse(raw);
    const message = file.success ? safeParseMessage(file.data.message) : undefined;
    if (!file.success || !message?.ok || file.data.role !== role)
      throw new InboxError({ code: 'inbox/invalid', message: `${path} is not an inbox item` });
    const rawReply = await readJson(groupDir, join(dir, role, `${messageId}.reply.json`));
    const reply = rawReply === undefined ? undefined : replyFileSchema.safeParse(rawReply);
    if (reply && !reply.success)
      throw new InboxError({
        code: 'inbox/invalid',
        message: `${join(dir, role, `${messageId}.reply.json`)} is not an inbox reply`,
      });
    return {
      role,
      runId: file.data.run_id,
      message: message.value,
      deliveredAt: file.data.delivered_at,
      ...(file.data.reply_key ? { replyKey: file.data.reply_key } : {}),
      ...(reply?.success ? { reply: fromReplyFile(reply.data) } : {}),
    };
  }

  async function roles(): Promise<string[]> {
    try {
      return (await readdir(dir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory() && ROLE_PATTERN.test(entry.name))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async function list(role?: string): Promise<InboxItem[]> {
    const items: InboxItem[] = [];
    for (const current of role === undefined ? await roles() : [role]) {
      let names: string[];
      try {
        names = await readdir(join(dir, current));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      for (const name of names.sort()) {
        const match = /^(msg_[0-9A-Za-z]+)\.json$/.exec(name);
        if (!match) continue;
        const item = await readItem(current, match[1] as string);
        if (item) items.push(item);
      }
    }
    return items.sort((left, right) => left.message.id.localeCompare(right.message.id));
  }

  async function show(messageId: string): Promise<InboxItem> {
    if (isId(messageId, 'msg'))
      for (const role of await roles()) {
        const item = await readItem(role, messageId);
        if (item) return item;
      }
    throw new InboxError({
      code: 'inbox/not-found',
      message: `no message ${JSON.stringify(messageId)} in the inbox`,
    });
  }

  return {
    dir,
    async deliver(role, runId, message, options = {}) {
      if (!ROLE_PATTERN.test(role))
        throw new InboxError({ code: 'inbox/invalid', message: `"${role}" is not a role` });
      if (await readItem(role, message.id)) return false;
      const file = {
        karnel_inbox_version: '1',
        role,
        run_id: runId,
        delivered_at: new Date().toISOString(),
        ...(options.replyKey ? { reply_key: options.replyKey } : {}),
        message,
      };
      await writeFileAtomic(
        join(dir, role, `${message.id}.json`),
        `${JSON.stringify(file, null, 2)}\n`,
      );
      return true;
    },
    list,
    show,
    async reply({ messageId, status = 'completed', summary, signer, now = new Date() }) {
      const item = await show(messageId);
      if (item.reply)
        throw new InboxError({
          code: 'inbox/already-answered',
          message: `message ${messageId} was already answered at ${item.reply.repliedAt}`,
        });
      if (item.replyKey && !signer)
        throw new InboxError({
          code: 'inbox/unsigned',
          message: `${item.role} declares a key (${item.replyKey}); sign the reply with it (--key)`,
        });
      if (item.replyKey && signer && signer.did !== item.replyKey)
        throw new InboxError({
          code: 'inbox/wrong-key',
          message: `the reply must be signed by ${item.replyKey}, not ${signer.did}`,
        });
      const unsigned = {
        message_id: messageId,
        run_id: item.runId,
        role: item.role,
        status,
        summary,
        replied_at: now.toISOString(),
        ...(signer ? { signer: signer.did } : {}),
      };
      const file = signer
        ? { ...unsigned, signature: toBase64Url(signer.sign(replyBytes(unsigned))) }
        : unsigned;
      const folder = join(dir, item.role);
      await mkdir(folder, { recursive: true });
      const temporary = join(folder, `.${messageId}.${randomBytes(6).toString('hex')}.tmp`);
      const handle = await open(temporary, 'wx', 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        // link() fails when the reply exists: of two concurrent replies exactly one wins.
        await link(temporary, join(folder, `${messageId}.reply.json`));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw new InboxError({
            code: 'inbox/already-answered',
            message: `message ${messageId} was already answered`,
          });
        throw error;
      } finally {
        await rm(temporary, { force: true });
      }
      await syncFolder(folder);
      return fromReplyFile(file);
    },
  };
}
