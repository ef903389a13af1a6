import { type Clock, createId, InvalidArgumentError, systemClock } from '@karnel/core';
import type { z } from 'zod';
import {
  MESSAGE_VERSION,
  type Message,
  type MessageOf,
  type MessageRefs,
  type MessageType,
  messageSchema,
  type PayloadInput,
} from './message-schema';
import type { Money } from './money';

/** Options of {@link createMessage}. */
export interface CreateMessageOptions<T extends MessageType> {
  /** The message type; decides the payload's schema. */
  type: T;
  /** The sending role. */
  from: string;
  /** The receiving role, or several. */
  to: string | readonly string[];
  /** The payload, checked against the type's schema. */
  payload: PayloadInput<T>;
  /** The message this one answers. */
  inReplyTo?: string;
  /** Goals, ledger entries and messages the message is about. */
  refs?: MessageRefs;
  /** What producing the message cost. */
  cost?: Money;
  /** Where the creation time comes from. Default: the system clock. */
  clock?: Clock;
}

/**
 * Creates a structured message with a fresh `msg_<ULID>` id and the current time, checked
 * against Annex C.
 *
 * @throws InvalidArgumentError when a field does not conform (a bad role, payload or cost) —
 * messages are built by code, so a bad one is a programming error.
 */
export function createMessage<T extends MessageType>(
  options: CreateMessageOptions<T>,
): MessageOf<T> {
  const { type, from, to, payload, inReplyTo, refs, cost, clock = systemClock } = options;
  const now = clock.now();
  const candidate = {
    karnel_message_version: MESSAGE_VERSION,
    id: createId('msg', now.getTime()),
    type,
    from,
    to: typeof to === 'string' ? to : [...to],
    created_at: now.toISOString(),
    ...(inReplyTo === undefined ? {} : { in_reply_to: inReplyTo }),
    ...(refs === undefined ? {} : { refs }),
    ...(cost === undefined ? {} : { cost }),
    payload,
  };
  return parseMessage(candidate) as MessageOf<T>;
}

/** {@link safeParseMessage} found a message. */
export interface SafeParseMessageSuccess {
  /** The value is a message. */
  readonly ok: true;
  /** The message, with defaults applied. */
  readonly value: Message;
}

/** {@link safeParseMessage} found no message. */
export interface SafeParseMessageFailure {
  /** The value is not a message. */
  readonly ok: false;
  /** Every problem in one sentence, `path: problem` joined by `; `. */
  readonly message: string;
  /** What is wrong, one `path: problem` sentence each. */
  readonly problems: readonly string[];
}

/** The result of {@link safeParseMessage}. */
export type SafeParseMessageResult = SafeParseMessageSuccess | SafeParseMessageFailure;

/**
 * Checks an unknown value against Annex C without throwing: a message read back from a ledger
 * or received from a foreign agent.
 */
export function safeParseMessage(value: unknown): SafeParseMessageResult {
  const result = messageSchema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map(describeIssue);
  return { ok: false, message: problems.join('; '), problems };
}

/**
 * Checks an unknown value against Annex C.
 *
 * @throws InvalidArgumentError listing every problem when it does not conform.
 */
export function parseMessage(value: unknown): Message {
  const result = safeParseMessage(value);
  if (result.ok) return result.value;
  throw new InvalidArgumentError({ argument: 'message', value, message: result.message });
}

/** The recipients of a message as a list, whether `to` names one role or several. */
export function recipients(message: Pick<Message, 'to'>): readonly string[] {
  return typeof message.to === 'string' ? [message.to] : message.to;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
