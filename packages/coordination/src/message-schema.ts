import { idSchema, isId, timestampSchema } from '@karnel/core';
import { z } from 'zod';
import { moneySchema } from './money';
import { DISPATCH_MODES } from './protocol-schema';

/** The version of the message format defined by Annex C. */
export const MESSAGE_VERSION = '0.2';

/** The message types of Annex C. */
export const MESSAGE_TYPES = [
  'task',
  'result',
  'review',
  'escalation',
  'approval',
  'info',
] as const;

/** One of {@link MESSAGE_TYPES}. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

const messageIdSchema = idSchema('msg');
const roleSchema = z.string().min(1);
const ledgerIdPrefixes = ['ent', 'run', 'dec', 'out', 'chk', 'apr'] as const;

/**
 * A reference to a ledger entry: its id (`ent_…`, or a run, decision, outcome, checkpoint or
 * approval id) or its content hash (`sha256:<64 hex>`).
 */
export const ledgerReferenceSchema = z
  .string()
  .refine(
    (value) =>
      /^sha256:[0-9a-f]{64}$/.test(value) || ledgerIdPrefixes.some((prefix) => isId(value, prefix)),
    'a ledger reference is an entry id (ent_…, run_…, dec_…, out_…, chk_…, apr_…) or "sha256:<hex>"',
  );

/** What a message is about: goals of the goal tree, ledger entries and earlier messages. */
export const messageRefsSchema = z.strictObject({
  /** Goal ids from `goals/current.yaml` (`g_subs_traffic`). */
  goals: z
    .array(z.string().min(1))
    .optional()
    .describe('Goal ids from `goals/current.yaml` (`g_subs_traffic`).'),
  /** Ledger entries the message relies on or reports. */
  ledger: z
    .array(ledgerReferenceSchema)
    .optional()
    .describe('Ledger entries the message relies on or reports.'),
  /** Earlier messages. */
  messages: z.array(messageIdSchema).optional().describe('Earlier messages.'),
});

/** The `refs` of a message. */
export type MessageRefs = z.infer<typeof messageRefsSchema>;

/** Payload of a `task`: work handed to the recipient. */
export const taskPayloadSchema = z.strictObject({
  /** A short title of the work. */
  title: z.string().min(1).describe('A short title of the work.'),
  /** The kind of work, matching a member's `task_class` (`research_synthesis`). */
  task_class: z
    .string()
    .min(1)
    .optional()
    .describe("The kind of work, matching a member's `task_class` (`research_synthesis`)."),
  /** What to do, in prose. */
  instructions: z.string().optional().describe('What to do, in prose.'),
  /** Structured inputs. */
  inputs: z.record(z.string(), z.unknown()).optional().describe('Structured inputs.'),
  /** Whether the recipient must take the task (`directive`) or may decline (`request`). */
  mode: z
    .literal(DISPATCH_MODES)
    .default('directive')
    .describe('Whether the recipient must take the task (`directive`) or may decline (`request`).'),
  /** When the result is due, RFC 3339. */
  deadline: timestampSchema.optional().describe('When the result is due, RFC 3339.'),
  /** The most the work may cost. */
  budget: moneySchema.optional().describe('The most the work may cost.'),
});

/** Payload of a `result`: the outcome of a task. */
export const resultPayloadSchema = z.strictObject({
  /** The task message this answers. */
  task: messageIdSchema.describe('The task message this answers.'),
  /** How the task ended. */
  status: z.literal(['completed', 'partial', 'failed', 'declined']).describe('How the task ended.'),
  /** What was done, in prose. */
  summary: z.string().describe('What was done, in prose.'),
  /** Structured outputs. */
  outputs: z.record(z.string(), z.unknown()).optional().describe('Structured outputs.'),
  /** Paths or URIs of produced artifacts. */
  artifacts: z.array(z.string().min(1)).optional().describe('Paths or URIs of produced artifacts.'),
});

/** The verdicts a review step can give. */
export const REVIEW_VERDICTS = ['approve', 'reject', 'comment'] as const;

/** One of {@link REVIEW_VERDICTS}. */
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];

/** Payload of a `review`: one step of a review chain. */
export const reviewPayloadSchema = z.strictObject({
  /** The task message whose work is reviewed. */
  task: messageIdSchema.describe('The task message whose work is reviewed.'),
  /** The 0-based index of the step in the review chain. */
  step: z
    .number()
    .int()
    .nonnegative()
    .describe('The 0-based index of the step in the review chain.'),
  /** The step's action (`review`, `approve_publication` …). */
  action: z.string().min(1).describe("The step's action (`review`, `approve_publication` …)."),
  /** The verdict. */
  verdict: z.literal(REVIEW_VERDICTS).describe('The verdict.'),
  /** Whether a rejection at this step stops the chain. */
  blocking: z.boolean().describe('Whether a rejection at this step stops the chain.'),
  /** Why, in prose. */
  comments: z.string().optional().describe('Why, in prose.'),
});

/** Payload of an `escalation`: a matter leaving the normal flow. */
export const escalationPayloadSchema = z.strictObject({
  /** The condition that held (`critic_rejection_3x`). */
  condition: z.string().min(1).describe('The condition that held (`critic_rejection_3x`).'),
  /** Why it held, in prose. */
  reason: z.string().describe('Why it held, in prose.'),
  /** The task concerned, when there is one. */
  task: messageIdSchema.optional().describe('The task concerned, when there is one.'),
  /** The messages that made the condition hold. */
  evidence: z
    .array(messageIdSchema)
    .default([])
    .describe('The messages that made the condition hold.'),
  /** For `cost_overrun_predicted`: the predicted cost. */
  predicted_cost: moneySchema
    .optional()
    .describe('For `cost_overrun_predicted`: the predicted cost.'),
  /** For `cost_overrun_predicted`: what remained of the budget. */
  remaining_budget: moneySchema
    .optional()
    .describe('For `cost_overrun_predicted`: what remained of the budget.'),
});

/** Payload of an `approval`: asking for, granting or refusing a go-ahead. */
export const approvalPayloadSchema = z.strictObject({
  /** What the approval is for, in a few words. */
  subject: z.string().min(1).describe('What the approval is for, in a few words.'),
  /** `requested` asks; `granted` and `denied` answer. */
  decision: z
    .literal(['requested', 'granted', 'denied'])
    .describe('`requested` asks; `granted` and `denied` answer.'),
  /** The task concerned, when there is one. */
  task: messageIdSchema.optional().describe('The task concerned, when there is one.'),
  /** The request this answers. */
  request: messageIdSchema.optional().describe('The request this answers.'),
  /** Why, in prose. */
  reason: z.string().optional().describe('Why, in prose.'),
});

/** Payload of an `info`: a notice that asks for nothing. */
export const infoPayloadSchema = z.strictObject({
  /** The notice. */
  text: z.string().min(1).describe('The notice.'),
  /** Structured details. */
  data: z.record(z.string(), z.unknown()).optional().describe('Structured details.'),
});

const envelope = {
  /** The message format version, `"0.2"`. */
  karnel_message_version: z
    .literal(MESSAGE_VERSION)
    .describe('The message format version, `"0.2"`.'),
  /** `msg_<ULID>`; unique, and sorts by creation time. */
  id: messageIdSchema.describe('`msg_<ULID>`; unique, and sorts by creation time.'),
  /** The sending role. */
  from: roleSchema.describe('The sending role.'),
  /** The receiving role, or several. */
  to: z.union([roleSchema, z.array(roleSchema).min(1)]).describe('The receiving role, or several.'),
  /** When the message was created, RFC 3339. */
  created_at: timestampSchema.describe('When the message was created, RFC 3339.'),
  /** The message this one answers. */
  in_reply_to: messageIdSchema.optional().describe('The message this one answers.'),
  /** Goals, ledger entries and messages the message is about. */
  refs: messageRefsSchema
    .optional()
    .describe('Goals, ledger entries and messages the message is about.'),
  /** What producing the message cost. */
  cost: moneySchema.optional().describe('What producing the message cost.'),
};

/** A `task` message. */
export const taskMessageSchema = z.strictObject({
  ...envelope,
  /** The message type, `task`. */
  type: z.literal('task').describe('The message type, `task`.'),
  /** The `task` payload. */
  payload: taskPayloadSchema.describe('The `task` payload.'),
});
/** A `result` message. */
export const resultMessageSchema = z.strictObject({
  ...envelope,
  /** The message type, `result`. */
  type: z.literal('result').describe('The message type, `result`.'),
  /** The `result` payload. */
  payload: resultPayloadSchema.describe('The `result` payload.'),
});
/** A `review` message. */
export const reviewMessageSchema = z.strictObject({
  ...envelope,
  /** The message type, `review`. */
  type: z.literal('review').describe('The message type, `review`.'),
  /** The `review` payload. */
  payload: reviewPayloadSchema.describe('The `review` payload.'),
});
/** An `escalation` message. */
export const escalationMessageSchema = z.strictObject({
  ...envelope,
  /** The message type, `escalation`. */
  type: z.literal('escalation').describe('The message type, `escalation`.'),
  /** The `escalation` payload. */
  payload: escalationPayloadSchema.describe('The `escalation` payload.'),
});
/** An `approval` message. */
export const approvalMessageSchema = z.strictObject({
  ...envelope,
  /** The message type, `approval`. */
  type: z.literal('approval').describe('The message type, `approval`.'),
  /** The `approval` payload. */
  payload: approvalPayloadSchema.describe('The `approval` payload.'),
});
/** An `info` message. */
export const infoMessageSchema = z.strictObject({
  ...envelope,
  /** The message type, `info`. */
  type: z.literal('info').describe('The message type, `info`.'),
  /** The `info` payload. */
  payload: infoPayloadSchema.describe('The `info` payload.'),
});

/** A structured message between members (Annex C); the payload's schema depends on `type`. */
export const messageSchema = z.discriminatedUnion('type', [
  taskMessageSchema,
  resultMessageSchema,
  reviewMessageSchema,
  escalationMessageSchema,
  approvalMessageSchema,
  infoMessageSchema,
]);

/** A structured message (Annex C). */
export type Message = z.infer<typeof messageSchema>;

/** The message of a given type, e.g. `MessageOf<'review'>`. */
export type MessageOf<T extends MessageType> = Extract<Message, MessageTypeTag<T>>;

/** Matches the messages whose `type` is `T`. */
export interface MessageTypeTag<T extends MessageType> {
  /** The message type. */
  readonly type: T;
}

/** The payload of a given message type, as written (defaults not yet applied). */
export type PayloadInput<T extends MessageType> = z.input<(typeof payloadSchemas)[T]>;

/** The payload schema of each message type. */
export const payloadSchemas = {
  /** Payload of `task`. */
  task: taskPayloadSchema.describe('Payload of `task`.'),
  /** Payload of `result`. */
  result: resultPayloadSchema.describe('Payload of `result`.'),
  /** Payload of `review`. */
  review: reviewPayloadSchema.describe('Payload of `review`.'),
  /** Payload of `escalation`. */
  escalation: escalationPayloadSchema.describe('Payload of `escalation`.'),
  /** Payload of `approval`. */
  approval: approvalPayloadSchema.describe('Payload of `approval`.'),
  /** Payload of `info`. */
  info: infoPayloadSchema.describe('Payload of `info`.'),
} as const;
